/*
 * qrun-spawn: a small long-lived helper that starts qrun's jobs, so that qrun (a large Node
 * process) never forks itself: forking this tiny process costs the same whatever qrun's size.
 *
 * Protocol (all integers little-endian, as on every supported CPU).
 *   qrun -> helper, on fd 0: messages of  u32 length, then `length` bytes:
 *     'V' u32 version: qrun's protocol version, sent first; the helper answers with 'H'.
 *     'Q' (nothing else): qrun is closing on purpose; fd 0 ends next.
 *     'E' then NUL-terminated "NAME=value" strings: the base environment of every job.
 *     'J' u32 id, u8 stdout kind, u8 stderr kind (0: inherit the helper's, 1: open a path),
 *         u8 stdin kind (0: /dev/null, 1: byte ranges of a file, through a pipe),
 *         then NUL-terminated strings: shell, command, cwd ("" = the helper's), the stdout path
 *         and the stderr path (each only for kind 1), the stdin path and its
 *         ranges as "start,length,start,length..." (kind 1), then "NAME=value" strings that are
 *         added to the base environment (or replace a variable of the same name).
 *   A job with ranges reads them through a pipe from a feeder process in its own group (not its
 *   child), which copies them with sendfile() and exits (or dies of SIGPIPE if the job stops reading).
 *   helper -> qrun, on fd 3: records of four i32: kind, id, value, 0.
 *   fds 4 and 5 are qrun's own stdout and stderr, for jobs that inherit them. (The helper's own
 *   fds 1 and 2 are not qrun's: Node would make the shared pipe blocking for qrun too.)
 *     'S' id pid      the job started (it leads a new session and process group: pgid = pid)
 *     'X' id status   the job's shell ended; status is waitpid's, exactly; the fourth
 *                     integer is 1 when nothing was left in its process group
 *     'F' id errno    the job could not start (fork, open, chdir or exec failed)
 *     'H' 0 version   the helper's protocol version (qrun refuses a helper that speaks another)
 * No record, path or environment has a size limit. The helper exits when fd 0 ends. Timeouts and
 * kills stay in qrun: it signals the groups itself. But when qrun dies (SIGKILL: it cannot clean
 * up; the parent-death signal, or fd 0 ending without 'Q', says so), the helper ends every
 * process group it started (SIGTERM, then SIGKILL 2 s later), so that no job outlives qrun.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define PROTOCOL 2

static int wake[2]; /* self-pipe: SIGCHLD, parent death -> main loop */
static volatile sig_atomic_t orphaned; /* qrun died */
static int closing; /* qrun said it closes on purpose ('Q') */
static pid_t parent;
static char **base_env;
static size_t base_count;

struct running { pid_t pid; uint32_t id; };
static struct running *table;
static size_t table_len, table_cap;
/* Every process group started whose members may still run (its leader ended or not). */
static pid_t *groups;
static size_t groups_len, groups_cap;

static void die(void) { _exit(70); }

static void *grow(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) die();
  return q;
}

static void write_all(int fd, const void *data, size_t n) {
  const char *p = data;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      _exit(0); /* qrun is gone */
    }
    p += w;
    n -= (size_t)w;
  }
}

static void emit4(int32_t kind, uint32_t id, int32_t value, int32_t extra) {
  int32_t rec[4] = { kind, (int32_t)id, value, extra };
  write_all(3, rec, sizeof rec);
}

static void emit(int32_t kind, uint32_t id, int32_t value) {
  int32_t rec[4] = { kind, (int32_t)id, value, 0 };
  write_all(3, rec, sizeof rec);
}

static void on_parent_death(int sig) {
  (void)sig;
  orphaned = 1;
  int saved = errno;
  char c = 0;
  (void)!write(wake[1], &c, 1);
  errno = saved;
}

static void on_child(int sig) {
  (void)sig;
  int saved = errno;
  char c = 0;
  (void)!write(wake[1], &c, 1);
  errno = saved;
}

/* The NUL-terminated strings of [p, end): their count, and each start in `out` if given. */
static size_t split(char *p, char *end, char **out) {
  size_t n = 0;
  while (p < end) {
    char *z = memchr(p, 0, (size_t)(end - p));
    if (!z) break;
    if (out) out[n] = p;
    n++;
    p = z + 1;
  }
  return n;
}

static void set_base_env(char *p, char *end) {
  size_t n = split(p, end, NULL);
  /* The strings live in a buffer that is reused: keep copies. */
  for (size_t i = 0; i < base_count; i++) free(base_env[i]);
  base_env = grow(base_env, (n + 1) * sizeof *base_env);
  split(p, end, base_env);
  for (size_t i = 0; i < n; i++) {
    base_env[i] = strdup(base_env[i]);
    if (!base_env[i]) die();
  }
  base_env[n] = NULL;
  base_count = n;
}

static int same_name(const char *a, const char *b) {
  for (; *a && *a != '=' && *a == *b; a++, b++) {}
  return (*a == '=' || *a == 0) && (*b == '=' || *b == 0);
}

/* Copies the ranges ("start,length,...") of `in` into `out`; runs in the feeder: never returns. */
static void feed(int in, int out, const char *ranges) {
  const char *p = ranges;
  while (*p) {
    char *next;
    unsigned long long start = strtoull(p, &next, 10);
    if (*next != ',') _exit(2);
    unsigned long long left = strtoull(next + 1, &next, 10);
    off_t at = (off_t)start;
    while (left > 0) {
      ssize_t n = sendfile(out, in, &at, left > (1u << 30) ? (1u << 30) : (size_t)left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) _exit(n < 0 ? 1 : 0);
      left -= (unsigned long long)n;
    }
    p = *next == ',' ? next + 1 : next;
  }
  _exit(0);
}

/* Makes fd 0 the job's stdin: /dev/null, or a pipe from a feeder of the file's ranges. */
static int open_stdin(int kind, const char *path, const char *ranges, int err_fd) {
  int fd = open(kind == 0 ? "/dev/null" : path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  if (kind == 1) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return -1;
    /* Forked twice: the feeder stays in the job's group (a kill of the job reaches it) but is
       not the job's child, so a job that waits for its children never meets it. */
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
      pid_t feeder = fork();
      if (feeder != 0) _exit(feeder < 0 ? 1 : 0);
      /* Hold nothing of the helper's open: above all not err_fd, whose end tells it exec happened. */
      int shut[] = { 0, 3, 4, 5, err_fd, p[0] };
      for (size_t i = 0; i < sizeof shut / sizeof *shut; i++) {
        if (shut[i] != fd && shut[i] != p[1]) close(shut[i]);
      }
      feed(fd, p[1], ranges);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      errno = EAGAIN;
      return -1;
    }
    close(p[1]);
    close(fd);
    fd = p[0];
  }
  return dup2(fd, 0);
}

/* Runs in the child: never returns. */
static void start_child(int err_fd, char *shell, char *command, char *cwd, int kinds[2], char *paths[2], int in_kind, char *in_path, char *in_ranges, char **envp) {
  /* A session of its own: qrun signals the whole group, and a terminal's Ctrl-C reaches only qrun. */
  setsid();
  /* Exactly what a job started from Node gets: every signal at its default, none blocked. */
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  int fd;
  if (open_stdin(in_kind, in_path, in_ranges, err_fd) < 0) goto fail;
  for (int i = 0; i < 2; i++) {
    if (kinds[i] == 1) {
      fd = open(paths[i], O_WRONLY | O_CLOEXEC);
      if (fd < 0 || dup2(fd, i + 1) < 0) goto fail;
    } else {
      if (dup2(4 + i, i + 1) < 0) goto fail;
      /* As Node does for a child's stdio: blocking writes (the flag is the shared file's). */
      int flags = fcntl(i + 1, F_GETFL);
      if (flags >= 0 && (flags & O_NONBLOCK)) fcntl(i + 1, F_SETFL, flags & ~O_NONBLOCK);
    }
  }
  if (cwd[0] && chdir(cwd) < 0) goto fail;
  char *argv[] = { shell, "-c", command, NULL };
  /* As Node does: a shell without a slash is looked up on the job's own PATH. */
  environ = envp;
  execvp(shell, argv);
fail:;
  int e = errno;
  write_all(err_fd, &e, sizeof e);
  _exit(127);
}

static void start_job(char *p, char *end) {
  if (end - p < 7) die();
  uint32_t id;
  memcpy(&id, p, 4);
  int kinds[2] = { (unsigned char)p[4], (unsigned char)p[5] };
  int in_kind = (unsigned char)p[6];
  p += 7;
  size_t n = split(p, end, NULL);
  char **s = grow(NULL, (n + 1) * sizeof *s);
  split(p, end, s);
  size_t at = 0;
  if (n < 3) die();
  char *shell = s[at++], *command = s[at++], *cwd = s[at++];
  char *paths[2] = { NULL, NULL };
  for (int i = 0; i < 2; i++) {
    if (kinds[i] == 1) {
      if (at >= n) die();
      paths[i] = s[at++];
    }
  }
  char *in_path = NULL, *in_ranges = "";
  if (in_kind == 1) {
    if (at + 1 >= n) die();
    in_path = s[at++];
    in_ranges = s[at++];
  }
  /* The environment: the base one, each added variable replacing one of the same name. */
  char **envp = grow(NULL, (base_count + n - at + 1) * sizeof *envp);
  size_t count = base_count;
  memcpy(envp, base_env, base_count * sizeof *envp);
  for (size_t i = at; i < n; i++) {
    size_t j = 0;
    while (j < count && !same_name(envp[j], s[i])) j++;
    envp[j] = s[i];
    if (j == count) count++;
  }
  envp[count] = NULL;

  int err[2];
  if (pipe2(err, O_CLOEXEC) < 0) {
    emit('F', id, errno);
    goto done;
  }
  pid_t pid = fork();
  if (pid < 0) {
    emit('F', id, errno);
    close(err[0]);
    close(err[1]);
    goto done;
  }
  if (pid == 0) start_child(err[1], shell, command, cwd, kinds, paths, in_kind, in_path, in_ranges, envp);
  close(err[1]);
  int child_errno;
  ssize_t got;
  do got = read(err[0], &child_errno, sizeof child_errno); while (got < 0 && errno == EINTR);
  close(err[0]);
  if (got == (ssize_t)sizeof child_errno) {
    /* It failed before exec: reap it here (the main loop ignores pids it does not know). */
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    emit('F', id, child_errno);
    goto done;
  }
  if (table_len == table_cap) {
    table_cap = table_cap ? table_cap * 2 : 64;
    table = grow(table, table_cap * sizeof *table);
  }
  table[table_len++] = (struct running){ pid, id };
  if (groups_len == groups_cap) {
    groups_cap = groups_cap * 2 + 16;
    groups = grow(groups, groups_cap * sizeof *groups);
  }
  groups[groups_len++] = pid;
  emit('S', id, pid);
done:
  free(envp);
  free(s);
}

/* Forgets the groups nothing is left in. */
static void prune_groups(void) {
  for (size_t i = 0; i < groups_len;) {
    if (kill(-groups[i], 0) < 0 && errno == ESRCH) groups[i] = groups[--groups_len];
    else i++;
  }
}

/* Forgets one group (its leader ended and nothing is left in it). */
static void forget_group(pid_t pgid) {
  for (size_t i = 0; i < groups_len; i++) {
    if (groups[i] != pgid) continue;
    groups[i] = groups[--groups_len];
    return;
  }
}

static void reap(void) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    for (size_t i = 0; i < table_len; i++) {
      if (table[i].pid != pid) continue;
      /* Whether the shell left anything in its group: qrun then need not signal it. */
      int empty = kill(-pid, 0) < 0 && errno == ESRCH;
      emit4('X', table[i].id, status, empty);
      if (empty) forget_group(pid);
      table[i] = table[--table_len];
      break;
    }
  }
}

/* qrun is gone and cannot end its jobs: every group still holding a process gets SIGTERM, then
   SIGKILL after 2 s (qrun's default --kill-after), and the helper exits. */
static void end_orphaned_jobs(void) {
  prune_groups();
  for (size_t i = 0; i < groups_len; i++) kill(-groups[i], SIGTERM);
  for (int waited = 0; waited < 20 && groups_len > 0; waited++) {
    usleep(100 * 1000);
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
    prune_groups();
  }
  for (size_t i = 0; i < groups_len; i++) kill(-groups[i], SIGKILL);
  while (waitpid(-1, NULL, WNOHANG) > 0) {}
  _exit(0);
}

int main(void) {
  parent = getppid();
  /* Told when qrun dies (it cannot end its jobs then: the helper does). */
  struct sigaction death;
  memset(&death, 0, sizeof death);
  death.sa_handler = on_parent_death;
  sigaction(SIGUSR1, &death, NULL);
  prctl(PR_SET_PDEATHSIG, SIGUSR1);
  if (getppid() != parent) return 0;
  /* --pipe-part feeders are orphaned on purpose (not the job's children): they come back here
     to be reaped (the main loop reaps pids it does not know), not to a PID 1 that may not reap. */
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  /* Ctrl-C and friends are for qrun, which decides what happens to the jobs. */
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0) return 70;
  fcntl(0, F_SETFD, FD_CLOEXEC);
  fcntl(3, F_SETFD, FD_CLOEXEC);
  fcntl(4, F_SETFD, FD_CLOEXEC);
  fcntl(5, F_SETFD, FD_CLOEXEC);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_child;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);

  char *buf = NULL;
  size_t len = 0, cap = 0;
  struct pollfd fds[2] = { { .fd = 0, .events = POLLIN }, { .fd = wake[0], .events = POLLIN } };
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 70;
    }
    if (fds[1].revents) {
      char drain[64];
      while (read(wake[0], drain, sizeof drain) > 0) {}
      reap();
    }
    if (orphaned && !closing) end_orphaned_jobs();
    if (!fds[0].revents) continue;
    if (cap - len < 65536) {
      cap = cap * 2 + 65536;
      buf = grow(buf, cap);
    }
    ssize_t got = read(0, buf + len, cap - len);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      /* qrun closed the pipe: done. Without its 'Q' first, it died: its jobs are ended first. */
      if (!closing) end_orphaned_jobs();
      return 0;
    }
    len += (size_t)got;
    size_t at = 0;
    while (len - at >= 4) {
      uint32_t size;
      memcpy(&size, buf + at, 4);
      if (len - at - 4 < size) {
        /* A message larger than the buffer: make room for all of it. */
        if (size + 4 > cap) {
          memmove(buf, buf + at, len - at);
          len -= at;
          at = 0;
          cap = size + 4 + 65536;
          buf = grow(buf, cap);
        }
        break;
      }
      char *msg = buf + at + 4, *end = msg + size;
      if (size < 1) die();
      if (msg[0] == 'V') emit('H', 0, PROTOCOL);
      else if (msg[0] == 'Q') closing = 1;
      else if (msg[0] == 'E') set_base_env(msg + 1, end);
      else if (msg[0] == 'J') start_job(msg + 1, end);
      else die();
      at += 4 + size;
    }
    memmove(buf, buf + at, len - at);
    len -= at;
  }
}
