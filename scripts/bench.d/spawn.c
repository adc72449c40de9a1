/* bench-spawn: run one command and report its own cost.
 *
 *   bench-spawn STDIN ERRFILE TIMEOUT_S -- ARGV...
 *
 * STDIN is a file for the command's standard input ("-" for /dev/null),
 * ERRFILE receives its standard error; standard output goes to /dev/null.
 * Prints "EXIT WALL_US UTIME_US STIME_US MAXRSS_KIB" on its own stdout.
 *
 * Why not Python's subprocess + os.wait4: a child's ru_maxrss includes the
 * memory of the process it was forked (or vforked) from, up to exec, so a
 * Python parent would put its own ~25 MiB into every figure.  This launcher
 * is small, so the peak is the command's own.  Exit 125 when it cannot run
 * the command; the command's exit 128+N when killed by signal N (or by the
 * timeout, SIGKILL).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child;

static void on_alarm(int sig)
{
    (void)sig;
    if (child > 0)
        kill(child, SIGKILL);
}

int main(int argc, char **argv)
{
    if (argc < 6 || strcmp(argv[4], "--") != 0) {
        fprintf(stderr, "usage: bench-spawn STDIN ERRFILE TIMEOUT_S -- ARGV...\n");
        return 125;
    }
    const char *in = strcmp(argv[1], "-") == 0 ? "/dev/null" : argv[1];
    int fin = open(in, O_RDONLY | O_CLOEXEC);
    int fout = open("/dev/null", O_WRONLY | O_CLOEXEC);
    int ferr = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fin < 0 || fout < 0 || ferr < 0) {
        perror("bench-spawn: open");
        return 125;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    child = fork();
    if (child < 0) {
        perror("bench-spawn: fork");
        return 125;
    }
    if (child == 0) {
        dup2(fin, 0);
        dup2(fout, 1);
        dup2(ferr, 2);
        execvp(argv[5], argv + 5);
        fprintf(stderr, "bench-spawn: cannot run %s\n", argv[5]);
        _exit(125);
    }
    signal(SIGALRM, on_alarm);
    alarm((unsigned)atoi(argv[3]));
    int status;
    struct rusage ru;
    while (wait4(child, &status, 0, &ru) < 0)
        ;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long wall = (t1.tv_sec - t0.tv_sec) * 1000000LL + (t1.tv_nsec - t0.tv_nsec) / 1000;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("%d %lld %lld %lld %ld\n", code, wall,
           (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
           (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec,
           ru.ru_maxrss);
    return 0;
}
