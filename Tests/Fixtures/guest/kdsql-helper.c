/*
 * kdsql-helper: the few things the fixture guest needs that busybox and bash
 * cannot do.  The mode is the name it runs as (symlinks in the initramfs), so
 * each mode also has a distinctive task comm in the dump.
 *
 *   kdsql-udp ADDR:PORT...   bind one UDP socket per argument, block in recv()
 *   kdsql-tcpsrv ADDR:PORT   AF_INET listener that accepts one connection and
 *                            keeps both sockets (LISTEN + ESTABLISHED)
 *   kdsql-threads UID        drop to UID, fill 64 KiB of anonymous memory with
 *                            "KDSQL-USER-MEMORY-MARKER\n", start threads
 *                            kdsql-thr-1 and kdsql-thr-2, all block in pause()
 *   kdsql-kmsg               print the records in /dev/kmsg and exit (busybox
 *                            dmesg hides the sequence numbers)
 *   kdsql-threads UID N      (scale) as above with N threads of 64 KiB stacks
 *   kdsql-fds DIR N          (scale) open N tmpfs files DIR/fd-PID-I, block in pause()
 *   kdsql-vmas N             (scale) N separate one-page anonymous mappings (every
 *                            other page of one reservation unmapped), pause()
 *   kdsql-scan               (scale) one walk of /proc: a "P pid threads fds maps comm"
 *                            line per process and "S name count" totals: the truth of
 *                            a scale dump without thousands of serial-port sections
 *
 * Built statically by make-dump: gcc -static -O2 -pthread.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int die(const char *what) { perror(what); return 1; }

static int addr(const char *arg, struct sockaddr_in *sa)
{
    char buf[64], *colon;
    snprintf(buf, sizeof buf, "%s", arg);
    if (!(colon = strrchr(buf, ':'))) return -1;
    *colon = 0;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((unsigned short)atoi(colon + 1));
    return inet_pton(AF_INET, buf, &sa->sin_addr) == 1 ? 0 : -1;
}

static int bound(int type, const char *arg)
{
    struct sockaddr_in sa;
    int one = 1, fd;
    if (addr(arg, &sa) != 0) { fprintf(stderr, "bad address %s\n", arg); return -1; }
    if ((fd = socket(AF_INET, type, 0)) < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    return bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 ? fd : -1;
}

static int udp(int argc, char **argv)
{
    int first = -1;
    char b[64];
    for (int i = 1; i < argc; i++) {
        int fd = bound(SOCK_DGRAM, argv[i]);
        if (fd < 0) return die("udp");
        if (first < 0) first = fd;
    }
    for (;;) recv(first, b, sizeof b, 0);
}

static int tcpsrv(int argc, char **argv)
{
    char b[64];
    int l = argc > 1 ? bound(SOCK_STREAM, argv[1]) : -1, c;
    if (l < 0 || listen(l, 8) != 0) return die("tcpsrv");
    if ((c = accept(l, NULL, NULL)) < 0) return die("accept");
    for (;;) if (recv(c, b, sizeof b, 0) <= 0) pause();
}

static void *thread_main(void *n)
{
    char name[16];
    snprintf(name, sizeof name, "kdsql-thr-%ld", (long)n);
    prctl(PR_SET_NAME, name, 0, 0, 0);
    for (;;) pause();
    return NULL;
}

static int threads(int argc, char **argv)
{
    uid_t uid = argc > 1 ? (uid_t)atoi(argv[1]) : 1000;
    static const char marker[] = "KDSQL-USER-MEMORY-MARKER\n";
    size_t len = 64 * 1024, ml = sizeof marker - 1;
    if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid)) return die("setresuid");
    char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return die("mmap");
    for (size_t off = 0; off + ml <= len; off += ml) memcpy(mem + off, marker, ml);
    long n = argc > 2 ? atol(argv[2]) : 2;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    /* many threads: small stacks keep the 1 GiB scale guest alive */
    if (argc > 2) pthread_attr_setstacksize(&attr, 64 * 1024);
    for (long i = 1; i <= n; i++) {
        pthread_t t;
        if (pthread_create(&t, &attr, thread_main, (void *)i)) return die("pthread_create");
    }
    for (;;) pause();
}

static int kmsg(void)
{
    char rec[8192];
    ssize_t n;
    int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
    if (fd < 0) return die("/dev/kmsg");
    /* one record per read(); EPIPE means a record was overwritten: keep going */
    while ((n = read(fd, rec, sizeof rec - 1)) > 0 || (n < 0 && errno == EPIPE))
        if (n > 0) fwrite(rec, 1, (size_t)n, stdout);
    return 0;
}

static int fds(int argc, char **argv)
{
    char path[512];
    long n = argc > 2 ? atol(argv[2]) : 0;
    if (argc < 3) { fprintf(stderr, "usage: kdsql-fds DIR N\n"); return 2; }
    for (long i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/fd-%ld-%ld", argv[1], (long)getpid(), i);
        if (open(path, O_RDWR | O_CREAT, 0644) < 0) return die(path);
    }
    for (;;) pause();
}

static int vmas(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 5000, pg = sysconf(_SC_PAGESIZE);
    char *base = mmap(NULL, (size_t)(2 * n * pg), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return die("mmap");
    /* touching a page and unmapping its neighbour leaves n VMAs that cannot merge */
    for (long i = 0; i < n; i++) {
        base[2 * i * pg] = 'K';
        if (munmap(base + (2 * i + 1) * pg, (size_t)pg)) return die("munmap");
    }
    for (;;) pause();
}

static long count_entries(const char *path) /* numeric names in a /proc directory */
{
    long n = 0;
    DIR *d = opendir(path);
    struct dirent *e;
    if (!d) return 0;
    while ((e = readdir(d))) if (e->d_name[0] >= '0' && e->d_name[0] <= '9') n++;
    closedir(d);
    return n;
}

static int scan(void)
{
    long self = getpid(), tasks = 0, procs = 0, nfds = 0, nmaps = 0, userprocs = 0;
    char path[256], buf[4096], comm[64];
    DIR *proc = opendir("/proc");
    struct dirent *e;
    if (!proc) return die("/proc");
    while ((e = readdir(proc))) {
        long pid = atol(e->d_name), threads, fdn, maps = 0;
        ssize_t n;
        int fd;
        if (pid <= 0 || pid == self) continue;
        snprintf(path, sizeof path, "/proc/%ld/comm", pid);
        if ((fd = open(path, O_RDONLY)) < 0) continue;
        n = read(fd, comm, sizeof comm - 1);
        close(fd);
        comm[n > 0 ? n - 1 : 0] = 0;
        snprintf(path, sizeof path, "/proc/%ld/task", pid);
        threads = count_entries(path);
        snprintf(path, sizeof path, "/proc/%ld/fd", pid);
        fdn = count_entries(path);
        snprintf(path, sizeof path, "/proc/%ld/maps", pid);
        if ((fd = open(path, O_RDONLY)) >= 0) {
            while ((n = read(fd, buf, sizeof buf)) > 0)
                for (ssize_t i = 0; i < n; i++) maps += buf[i] == '\n';
            close(fd);
        }
        printf("P %ld %ld %ld %ld %s\n", pid, threads, fdn, maps, comm);
        tasks += threads; procs++; nfds += fdn; nmaps += maps; userprocs += maps > 0;
    }
    closedir(proc);
    printf("S tasks %ld\nS processes %ld\nS user_processes %ld\nS fds %ld\nS vmas %ld\n",
           tasks, procs, userprocs, nfds, nmaps);
    return 0;
}

int main(int argc, char **argv)
{
    const char *me = basename(argv[0]);
    if (!strcmp(me, "kdsql-udp")) return udp(argc, argv);
    if (!strcmp(me, "kdsql-tcpsrv")) return tcpsrv(argc, argv);
    if (!strcmp(me, "kdsql-threads")) return threads(argc, argv);
    if (!strcmp(me, "kdsql-kmsg")) return kmsg();
    if (!strcmp(me, "kdsql-fds")) return fds(argc, argv);
    if (!strcmp(me, "kdsql-vmas")) return vmas(argc, argv);
    if (!strcmp(me, "kdsql-scan")) return scan();
    fprintf(stderr, "kdsql-helper: unknown mode %s\n", me);
    return 2;
}
