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
 *
 * Built statically by make-dump: gcc -static -O2 -pthread.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
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
    for (long i = 1; i <= 2; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, thread_main, (void *)i)) return die("pthread_create");
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

int main(int argc, char **argv)
{
    const char *me = basename(argv[0]);
    if (!strcmp(me, "kdsql-udp")) return udp(argc, argv);
    if (!strcmp(me, "kdsql-tcpsrv")) return tcpsrv(argc, argv);
    if (!strcmp(me, "kdsql-threads")) return threads(argc, argv);
    if (!strcmp(me, "kdsql-kmsg")) return kmsg();
    fprintf(stderr, "kdsql-helper: unknown mode %s\n", me);
    return 2;
}
