/* Spawns N threads that sleep forever (benchmark load: a node with many threads).
 * `threads N P`: P processes (this one and P-1 children, which die with it) of N threads each. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

static void *sleeper(void *arg) {
  (void)arg;
  for (;;) pause();
  return NULL;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  int procs = argc > 2 ? atoi(argv[2]) : 1;
  int ready[2];
  if (pipe(ready) != 0) { perror("pipe"); return 1; }
  int child = 0;
  for (int p = 1; p < procs; p++) {
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      child = 1;
      break;
    }
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  for (int i = 0; i < n; i++) {
    pthread_t t;
    if (pthread_create(&t, &attr, sleeper, NULL) != 0) { perror("pthread_create"); return 1; }
  }
  if (child) {
    if (write(ready[1], "r", 1) != 1) return 1;
    for (;;) pause();
  }
  for (int p = 1; p < procs; p++) {
    char c;
    if (read(ready[0], &c, 1) != 1) { perror("read"); return 1; }
  }
  printf("ready\n");
  fflush(stdout);
  for (;;) pause();
}
