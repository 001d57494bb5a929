/*
 * qrun-spawn: a small long-lived helper that starts qrun's jobs, so that qrun (a large Node
 * process) never forks itself: forking this tiny process costs the same whatever qrun's size.
 *
 * Protocol (all integers little-endian, as on every supported CPU).
 *   qrun -> helper, on fd 0: messages of  u32 length, then `length` bytes:
 *     'V' u32 version: qrun's protocol version, sent first; the helper answers with 'H'.
 *     'Q' (nothing else): qrun is closing on purpose; fd 0 ends next.
 *     'E' then NUL-terminated "NAME=value" strings: the base environment of every job.
 *     'J' u32 id, u8 stdout kind, u8 stderr kind (0: inherit qrun's, 1: open a path, 2: a pipe
 *         the helper reads and forwards to qrun as 'O' records),
 *         u8 stdin kind (0: /dev/null, 1: byte ranges of a file, through a pipe),
 *         then NUL-terminated strings: shell, command, cwd ("" = the helper's), the stdout path
 *         and the stderr path (each only for kind 1), the stdin path and its
 *         ranges as "start,length,start,length..." (kind 1), then "NAME=value" strings that are
 *         added to the base environment (or replace a variable of the same name).
 *   A job with ranges reads them through a pipe from a feeder process in its own group (not its
 *   child), which copies them with sendfile() and exits (or dies of SIGPIPE if the job stops reading).
 *     'A' u32 id, u8 stream (1 or 2): qrun has taken the last 'O' chunk of that stream: the helper
 *         reads the next one (one chunk in flight per stream: a chatty job waits for qrun, and
 *         neither process holds more than a chunk of it).
 *   helper -> qrun, on the events fd: records of four i32: kind, id, value, extra.
 *   Arguments: the events fd, then qrun's own stdout and stderr fds (for jobs that inherit them;
 *   the helper's own fds 1 and 2 are not qrun's: Node would make the shared pipe blocking for qrun
 *   too), then the soft open-file limit jobs start with ("" keeps the helper's), then a mark
 *   ("NAME=value", or "") every job's environment holds: should qrun die, every process whose
 *   environment holds it is ended too, even one that left its job's group. Every other fd
 *   the helper was given without close-on-exec (the caller's own 3>file) passes on to the jobs.
 *     'S' id pid      the job started (it leads a new session and process group: pgid = pid)
 *     'X' id status   the job's shell ended; status is waitpid's, exactly; the fourth
 *                     integer is 1 when nothing was left in its process group
 *     'F' id errno    the job could not start (fork, open, chdir or exec failed)
 *     'H' 0 version   the helper's protocol version (qrun refuses a helper that speaks another)
 *     'O' id stream n then n bytes: output of a stream of kind 2 (at most 64 KiB)
 *     'C' id stream   that stream ended (every process holding it closed it)
 * No record, path or environment has a size limit. The helper exits when fd 0 ends. Timeouts and
 * kills stay in qrun: it signals the groups itself. But when qrun dies (SIGKILL: it cannot clean
 * up; the parent-death signal, or fd 0 ending without 'Q', says so), the helper ends every
 * process group it started (SIGTERM, then SIGKILL 2 s later), so that no job outlives qrun.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define PROTOCOL 3

static int wake[2]; /* self-pipe: SIGCHLD, parent death -> main loop */
static volatile sig_atomic_t orphaned; /* qrun died */
static int closing; /* qrun said it closes on purpose ('Q') */
static pid_t parent;
static char **base_env;
static int events_fd = 3, out_fds[2] = { 4, 5 };
static int set_nofile; /* jobs start with this soft open-file limit */
static const char *mark; /* "NAME=value" in the environment of every process of the jobs' */
static struct rlimit nofile;
static size_t base_count;

struct running { pid_t pid; uint32_t id; };
static struct running *table;
static size_t table_len, table_cap;
/* Every process group started whose members may still run (its leader ended or not). */
static pid_t *groups;
static size_t groups_len, groups_cap;
/* Every job's output pipe the helper reads (kind 2), until it ends. */
struct stream { int fd; uint32_t id; uint8_t which; uint8_t held; };
static struct stream *streams;
static size_t streams_len, streams_cap;

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
  write_all(events_fd, rec, sizeof rec);
}

static void emit(int32_t kind, uint32_t id, int32_t value) {
  emit4(kind, id, value, 0);
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

/* Closes every fd from `low` up (in a feeder, which runs no program that would close them). */
static void close_from(int low) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, (unsigned)low, ~0u, 0) == 0) return;
#endif
  long max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 65536) max = 65536;
  for (int fd = low; fd < max; fd++) close(fd);
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
      /* Hold nothing else open: above all not err_fd (its end tells the helper exec happened), nor
         a job's output pipe (its end tells qrun the job's output is whole). fds 0-2 are open, so
         the copies land above them. */
      (void)err_fd;
      int in = dup(fd), out = dup(p[1]);
      if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0) _exit(1);
      close_from(2);
      feed(0, 1, ranges);
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
static void start_child(int err_fd, char *shell, char *command, char *cwd, int kinds[2], char *paths[2], int pipes[2], int in_kind, char *in_path, char *in_ranges, char **envp) {
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
  /* The open-file limit the caller gave qrun (Node raises its own at start-up). */
  if (set_nofile && setrlimit(RLIMIT_NOFILE, &nofile) < 0) goto fail;
  for (int i = 0; i < 2; i++) {
    if (kinds[i] == 1) {
      fd = open(paths[i], O_WRONLY | O_CLOEXEC);
      if (fd < 0 || dup2(fd, i + 1) < 0) goto fail;
    } else if (kinds[i] == 2) {
      if (dup2(pipes[i], i + 1) < 0) goto fail;
    } else {
      if (dup2(out_fds[i], i + 1) < 0) goto fail;
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

  /* Output pipes (kind 2): the job writes one end, the helper reads the other. */
  int pipes[2][2] = { { -1, -1 }, { -1, -1 } };
  int err[2] = { -1, -1 };
  pid_t pid = -1;
  for (int i = 0; i < 2; i++) {
    if (kinds[i] == 2 && pipe2(pipes[i], O_CLOEXEC) < 0) goto failed;
  }
  if (pipe2(err, O_CLOEXEC) < 0) goto failed;
  pid = fork();
  if (pid < 0) goto failed;
  if (pid == 0) start_child(err[1], shell, command, cwd, kinds, paths, (int[]){ pipes[0][1], pipes[1][1] }, in_kind, in_path, in_ranges, envp);
  close(err[1]);
  err[1] = -1;
  for (int i = 0; i < 2; i++) {
    if (pipes[i][1] >= 0) close(pipes[i][1]);
    pipes[i][1] = -1;
  }
  int child_errno;
  ssize_t got;
  do got = read(err[0], &child_errno, sizeof child_errno); while (got < 0 && errno == EINTR);
  if (got == (ssize_t)sizeof child_errno) {
    /* It failed before exec: reap it here (the main loop ignores pids it does not know). */
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    errno = child_errno;
    goto failed;
  }
  close(err[0]);
  for (int i = 0; i < 2; i++) {
    if (pipes[i][0] < 0) continue;
    fcntl(pipes[i][0], F_SETFL, O_NONBLOCK);
    if (streams_len == streams_cap) {
      streams_cap = streams_cap * 2 + 16;
      streams = grow(streams, streams_cap * sizeof *streams);
    }
    streams[streams_len++] = (struct stream){ pipes[i][0], id, (uint8_t)(i + 1), 0 };
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
  goto done;
failed:
  emit('F', id, errno);
  for (int i = 0; i < 2; i++) {
    for (int j = 0; j < 2; j++) {
      if (pipes[i][j] >= 0) close(pipes[i][j]);
    }
  }
  if (err[0] >= 0) close(err[0]);
  if (err[1] >= 0) close(err[1]);
done:
  free(envp);
  free(s);
}

/* Reads what a job wrote to one of its output pipes and forwards it ('O'), then waits for qrun's
   'A'; at the pipe's end says 'C' and forgets it. */
static void read_stream(size_t at) {
  static char chunk[65536];
  struct stream *st = &streams[at];
  ssize_t n = read(st->fd, chunk, sizeof chunk);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n > 0) {
    int32_t rec[4] = { 'O', (int32_t)st->id, st->which, (int32_t)n };
    struct iovec parts[2] = { { rec, sizeof rec }, { chunk, (size_t)n } };
    size_t left = sizeof rec + (size_t)n;
    while (left > 0) {
      ssize_t w = writev(events_fd, parts, 2);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) _exit(0); /* qrun is gone */
      left -= (size_t)w;
      /* A part written: go on from where the write stopped. */
      for (int i = 0; i < 2 && w > 0; i++) {
        size_t used = (size_t)w < parts[i].iov_len ? (size_t)w : parts[i].iov_len;
        parts[i].iov_base = (char *)parts[i].iov_base + used;
        parts[i].iov_len -= used;
        w -= (ssize_t)used;
      }
    }
    st->held = 1;
    return;
  }
  /* The end (or an error reading it, which ends it too): forgotten once this poll round is over. */
  emit('C', st->id, st->which);
  close(st->fd);
  st->fd = -1;
}

/* Drops the streams that ended, keeping the others in the order their jobs started. */
static void forget_ended_streams(void) {
  size_t kept = 0;
  for (size_t i = 0; i < streams_len; i++) {
    if (streams[i].fd >= 0) streams[kept++] = streams[i];
  }
  streams_len = kept;
}

/* qrun took the last chunk of job `id`'s stream `which`: read on. */
static void release_stream(char *p, char *end) {
  if (end - p < 5) die();
  uint32_t id;
  memcpy(&id, p, 4);
  for (size_t i = 0; i < streams_len; i++) {
    if (streams[i].id == id && streams[i].which == (uint8_t)p[4]) streams[i].held = 0;
  }
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

/* Whether the environment of process `pid` holds the entry `mark` ("NAME=value"). */
static int marked(long pid, const char *mark) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/environ", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  static char env[1 << 20];
  size_t len = 1; /* env[0] = NUL: every entry then follows a NUL */
  env[0] = 0;
  ssize_t got;
  while (len < sizeof env - 1 && (got = read(fd, env + len, sizeof env - 1 - len)) > 0) len += (size_t)got;
  close(fd);
  env[len++] = 0;
  size_t n = strlen(mark);
  for (char *at = env; (at = memmem(at, len - (size_t)(at - env), mark, n)) != NULL; at++) {
    if (at > env && at[-1] == 0 && at[n] == 0) return 1;
  }
  return 0;
}

/* Sends `sig` to every process (not the helper) whose environment holds `mark`: a job's process
   that left its group (setsid) is found by it. */
static void signal_marked(const char *mark, int sig) {
  if (!mark) return;
  DIR *proc = opendir("/proc");
  if (!proc) return;
  pid_t self = getpid();
  struct dirent *entry;
  while ((entry = readdir(proc)) != NULL) {
    char *end;
    long pid = strtol(entry->d_name, &end, 10);
    if (*end || pid <= 1 || pid == self) continue;
    if (marked(pid, mark)) kill((pid_t)pid, sig);
  }
  closedir(proc);
}

/* qrun is gone and cannot end its jobs: every group still holding a process gets SIGTERM, then
   SIGKILL after 2 s (qrun's default --kill-after), and the helper exits. So does every process
   whose environment holds the mark, if one was given (a fleet worker's). */
static void end_orphaned_jobs(void) {
  /* Nobody reads the jobs' output any more: a job writing it gets SIGPIPE rather than waiting. */
  for (size_t i = 0; i < streams_len; i++) {
    if (streams[i].fd >= 0) close(streams[i].fd);
  }
  streams_len = 0;
  prune_groups();
  for (size_t i = 0; i < groups_len; i++) kill(-groups[i], SIGTERM);
  signal_marked(mark, SIGTERM);
  for (int waited = 0; waited < 20 && (groups_len > 0 || mark); waited++) {
    usleep(100 * 1000);
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
    prune_groups();
  }
  for (size_t i = 0; i < groups_len; i++) kill(-groups[i], SIGKILL);
  signal_marked(mark, SIGKILL);
  while (waitpid(-1, NULL, WNOHANG) > 0) {}
  _exit(0);
}

/* A number argument, or `fallback` when it is absent. */
static long long number_arg(int argc, char **argv, int at, long long fallback) {
  if (at >= argc || argv[at][0] == 0) return fallback;
  char *end;
  long long n = strtoll(argv[at], &end, 10);
  if (*end || n < 0) die();
  return n;
}

int main(int argc, char **argv) {
  events_fd = (int)number_arg(argc, argv, 1, 3);
  out_fds[0] = (int)number_arg(argc, argv, 2, 4);
  out_fds[1] = (int)number_arg(argc, argv, 3, 5);
  if (argc > 4 && argv[4][0]) {
    set_nofile = 1;
    if (getrlimit(RLIMIT_NOFILE, &nofile) < 0) die();
    if (strcmp(argv[4], "unlimited") == 0) nofile.rlim_cur = RLIM_INFINITY;
    else nofile.rlim_cur = (rlim_t)number_arg(argc, argv, 4, 0);
    if (nofile.rlim_max != RLIM_INFINITY && (nofile.rlim_cur == RLIM_INFINITY || nofile.rlim_cur > nofile.rlim_max)) nofile.rlim_cur = nofile.rlim_max;
  }
  if (argc > 5 && argv[5][0]) mark = argv[5];
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
  fcntl(events_fd, F_SETFD, FD_CLOEXEC);
  fcntl(out_fds[0], F_SETFD, FD_CLOEXEC);
  fcntl(out_fds[1], F_SETFD, FD_CLOEXEC);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_child;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);

  char *buf = NULL;
  size_t len = 0, cap = 0;
  struct pollfd *fds = NULL;
  size_t *polled = NULL; /* which stream each pollfd past the first two is */
  size_t fds_cap = 0;
  for (;;) {
    if (fds_cap < streams_len + 2) {
      fds_cap = streams_len + 2 + 64;
      fds = grow(fds, fds_cap * sizeof *fds);
      polled = grow(polled, fds_cap * sizeof *polled);
    }
    fds[0] = (struct pollfd){ .fd = 0, .events = POLLIN };
    fds[1] = (struct pollfd){ .fd = wake[0], .events = POLLIN };
    nfds_t nfds = 2;
    for (size_t i = 0; i < streams_len; i++) {
      if (streams[i].held) continue;
      polled[nfds] = i;
      fds[nfds++] = (struct pollfd){ .fd = streams[i].fd, .events = POLLIN };
    }
    if (poll(fds, nfds, -1) < 0) {
      if (errno == EINTR) continue;
      return 70;
    }
    if (fds[1].revents) {
      char drain[64];
      while (read(wake[0], drain, sizeof drain) > 0) {}
      reap();
    }
    if (orphaned && !closing) end_orphaned_jobs();
    /* In the order the jobs started: of two jobs that wrote at once, the earlier one's output
       reaches qrun first. */
    for (nfds_t i = 2; i < nfds; i++) {
      if (fds[i].revents) read_stream(polled[i]);
    }
    forget_ended_streams();
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
      else if (msg[0] == 'A') release_stream(msg + 1, end);
      else die();
      at += 4 + size;
    }
    memmove(buf, buf + at, len - at);
    len -= at;
  }
}
