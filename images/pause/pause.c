/*
 * pause: the process that holds a pod sandbox's namespaces open.
 *
 * Runs as PID 1 of the sandbox. It does nothing but wait for signals:
 *   - SIGCHLD: reap every exited child (orphans re-parented to PID 1 in a shared PID namespace),
 *     so no zombies pile up;
 *   - SIGINT, SIGTERM: exit 0 at once (the runtime stops the sandbox this way).
 * `pause -v` prints the version and exits 0. Built statically (`gcc -static -O2`) so the image
 * needs no libc.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAUSE_VERSION "3.9-flotilla"

static void on_stop(int signo) {
  (void)signo;
  /* _exit: async-signal-safe; nothing buffered needs flushing. */
  _exit(0);
}

static void on_child(int signo) {
  int saved = errno;
  (void)signo;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

static int install(int signo, void (*handler)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  return sigaction(signo, &sa, NULL);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    printf("pause version %s\n", PAUSE_VERSION);
    return 0;
  }
  if (getpid() != 1) fprintf(stderr, "Warning: pause should be the first process\n");
  if (install(SIGINT, on_stop, 0) < 0 || install(SIGTERM, on_stop, 0) < 0 ||
      install(SIGCHLD, on_child, SA_NOCLDSTOP | SA_RESTART) < 0) {
    perror("pause: sigaction");
    return 1;
  }
  for (;;) pause();
  fprintf(stderr, "Error: infinite loop terminated\n");
  return 42;
}
