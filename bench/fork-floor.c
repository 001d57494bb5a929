/* The machine's floor: read command lines from stdin and run each as /bin/sh -c <line>,
 * at most N at once, with plain fork/exec/waitpid. Usage: fork-floor N < jobs.txt */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int limit = argc > 1 ? atoi(argv[1]) : 8, running = 0, failed = 0, status;
  char *line = NULL;
  size_t size = 0;
  ssize_t length;
  while ((length = getline(&line, &size, stdin)) != -1) {
    if (length > 0 && line[length - 1] == '\n') line[--length] = '\0';
    if (length == 0) continue;
    if (running == limit) {
      wait(&status);
      running--;
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
    }
    pid_t pid = fork();
    if (pid == 0) {
      execl("/bin/sh", "sh", "-c", line, (char *)NULL);
      _exit(127);
    }
    if (pid > 0) running++;
  }
  while (running-- > 0) {
    wait(&status);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
  }
  free(line);
  return failed > 101 ? 101 : failed;
}
