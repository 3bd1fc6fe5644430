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
 * The `views` scenario's workload (what busybox cannot set up):
 *   kdsql-swaphog MIB        touch MIB MiB of anonymous 4 KiB pages, create
 *                            /tmp/kdsql-swaphog.ready, block (run in a cgroup
 *                            whose memory.max is smaller: the rest is swapped)
 *   kdsql-ipc [ns]           SysV shm/sem/msg objects with known keys, listed
 *                            in /tmp/kdsql-ipc.txt (ns: one shm segment, listed
 *                            in /tmp/kdsql-ipc-ns.txt), block
 *   kdsql-signals            SIGUSR1 ignored, SIGUSR2 caught, HUP/TERM/40
 *                            blocked and pending (private, shared, queued);
 *                            a second thread kdsql-sig-thr; the sigaction
 *                            table in /tmp/kdsql-signals.txt
 *   kdsql-locks              flock, two POSIX ranges and an OFD lock held; a
 *                            child kdsql-lockwait blocks on the first range
 *   kdsql-netlink veth NAME PEER NSPID MAC PEERMAC | neigh IFNAME ADDR MAC
 *                            rtnetlink requests busybox ip cannot make: a veth
 *                            pair whose peer is born in NSPID's network
 *                            namespace; a NUD_PERMANENT neighbour
 *   kdsql-pidinfo            one walk of /proc: "N pid type ns:[inode]",
 *                            "C pid cgroup-line", "Q pid tid schedstat",
 *                            "S pid tid key value" (from /proc/PID/task/TID/sched)
 *
 * Built statically by make-dump: gcc -static -O2 -pthread.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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

/* ------------------------------------------------------------------ views */

static void ready(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) close(fd);
}

static int swaphog(int argc, char **argv)
{
    size_t len = (size_t)(argc > 1 ? atol(argv[1]) : 40) << 20;
    char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return die("mmap");
    madvise(mem, len, MADV_NOHUGEPAGE); /* small pages: swapped out one by one */
    for (size_t off = 0; off < len; off += 4096)
        snprintf(mem + off, 40, "KDSQL-SWAP-PAGE %08zu\n", off / 4096);
    ready("/tmp/kdsql-swaphog.ready");
    for (;;) pause();
}

static int ipc(int argc, char **argv)
{
    int ns = argc > 1 && !strcmp(argv[1], "ns");
    FILE *f = fopen(ns ? "/tmp/kdsql-ipc-ns.txt" : "/tmp/kdsql-ipc.txt", "w");
    char *p;
    if (!f) return die("ipc list");
    if (ns) { /* the IPC namespace of kdsql-utsns: one attached segment */
        int id = shmget(0x4b44ff01, 8192, IPC_CREAT | IPC_EXCL | 0600);
        if (id < 0 || (p = shmat(id, NULL, 0)) == (char *)-1) return die("shm (ns)");
        strcpy(p, "KDSQL-SHM-IPCNS\n");
        fprintf(f, "shm key=0x4b44ff01 id=%d size=8192 attached=1\n", id);
        fclose(f);
        for (;;) pause();
    }
    int shm1 = shmget(0x4b440001, 65536, IPC_CREAT | IPC_EXCL | 0600);
    int shm2 = shmget(0x4b440002, 1052672, IPC_CREAT | IPC_EXCL | 0640);
    if (shm1 < 0 || shm2 < 0 || (p = shmat(shm1, NULL, 0)) == (char *)-1) return die("shm");
    for (int i = 0; i < 16; i++) snprintf(p + 4096 * i, 32, "KDSQL-SHM-PAGE %d\n", i);
    fprintf(f, "shm key=0x4b440001 id=%d size=65536 perms=0600 attached=1\n", shm1);
    fprintf(f, "shm key=0x4b440002 id=%d size=1052672 perms=0640 attached=0\n", shm2);
    int sem1 = semget(0x4b440011, 1, IPC_CREAT | IPC_EXCL | 0600);
    int sem2 = semget(0x4b440012, 3, IPC_CREAT | IPC_EXCL | 0666);
    unsigned short vals[3] = {3, 2, 1};
    struct sembuf down = {.sem_num = 0, .sem_op = -1, .sem_flg = SEM_UNDO};
    if (sem1 < 0 || sem2 < 0 || semctl(sem1, 0, SETVAL, 1) || semctl(sem2, 0, SETALL, vals) ||
        semop(sem2, &down, 1))
        return die("sem");
    fprintf(f, "sem key=0x4b440011 id=%d nsems=1 values=1\n", sem1);
    fprintf(f, "sem key=0x4b440012 id=%d nsems=3 values=2,2,1 (3,2,1 then semop -1 SEM_UNDO on sem 0)\n", sem2);
    int q1 = msgget(0x4b440021, IPC_CREAT | IPC_EXCL | 0600);
    int q2 = msgget(0x4b440022, IPC_CREAT | IPC_EXCL | 0620);
    struct { long type; char text[256]; } m;
    if (q1 < 0 || q2 < 0) return die("msgget");
    for (int i = 1; i <= 3; i++) {
        m.type = i;
        int n = snprintf(m.text, sizeof m.text, "kdsql-msg-%d", i);
        if (msgsnd(q1, &m, (size_t)n + 1, 0)) return die("msgsnd");
    }
    memset(m.text, 'q', sizeof m.text);
    m.type = 7;
    if (msgsnd(q2, &m, 100, 0) || msgsnd(q2, &m, 200, 0)) return die("msgsnd");
    fprintf(f, "msg key=0x4b440021 id=%d messages=3 bytes=33 (kdsql-msg-1..3 with NUL, types 1-3)\n", q1);
    fprintf(f, "msg key=0x4b440022 id=%d messages=2 bytes=300 (100 + 200 bytes, type 7)\n", q2);
    fclose(f);
    for (;;) pause();
}

static volatile sig_atomic_t usr2_seen;
static void usr2_handler(int sig) { (void)sig; usr2_seen++; }

static void *sig_thread(void *unused)
{
    (void)unused;
    prctl(PR_SET_NAME, "kdsql-sig-thr", 0, 0, 0);
    for (;;) pause();
    return NULL;
}

static int signals(void)
{
    struct sigaction ign = {.sa_handler = SIG_IGN}, usr2 = {.sa_handler = usr2_handler, .sa_flags = SA_RESTART};
    sigset_t blk;
    pthread_t t;
    pid_t pid = getpid(), tid = (pid_t)syscall(SYS_gettid);
    sigemptyset(&usr2.sa_mask);
    sigaddset(&usr2.sa_mask, SIGINT);
    sigaction(SIGUSR1, &ign, NULL);
    sigaction(SIGUSR2, &usr2, NULL);
    sigemptyset(&blk);
    sigaddset(&blk, SIGTERM);
    sigaddset(&blk, SIGHUP);
    sigaddset(&blk, 40);
    sigprocmask(SIG_BLOCK, &blk, NULL); /* the thread below inherits the mask */
    if (pthread_create(&t, NULL, sig_thread, NULL)) return die("pthread_create");
    usleep(100000);
    syscall(SYS_tgkill, pid, tid, SIGTERM); /* private to the main thread */
    kill(pid, SIGHUP);                      /* shared */
    sigqueue(pid, 40, (union sigval){.sival_int = 4001});
    sigqueue(pid, 40, (union sigval){.sival_int = 4002}); /* real-time: both stay queued */
    FILE *f = fopen("/tmp/kdsql-signals.txt", "w");
    if (!f) return die("signals list");
    fprintf(f, "pid=%d main_tid=%d usr2_handler=%p\n", (int)pid, (int)tid, (void *)usr2_handler);
    for (int s = 1; s <= 64; s++) {
        struct sigaction o;
        unsigned long long mask = 0;
        if (s == SIGKILL || s == SIGSTOP || sigaction(s, NULL, &o) || o.sa_handler == SIG_DFL) continue;
        for (int b = 1; b <= 64; b++)
            if (sigismember(&o.sa_mask, b) == 1) mask |= 1ULL << (b - 1);
        fprintf(f, "sig=%d handler=%s%p flags=0x%x mask=0x%016llx\n", s, o.sa_handler == SIG_IGN ? "SIG_IGN/" : "",
                (void *)o.sa_handler, (unsigned)o.sa_flags, mask);
    }
    fprintf(f, "sent: tgkill(main, SIGTERM) [private], kill(pid, SIGHUP) [shared], "
               "sigqueue(pid, 40, 4001/4002) [shared, 2 entries]; blocked: SIGHUP SIGTERM 40\n");
    fclose(f);
    for (;;) pause();
}

static int locks(void)
{
    int ffd = open("/tmp/kdsql-flock.lck", O_RDWR | O_CREAT, 0644);
    int pfd = open("/tmp/kdsql-posix.lck", O_RDWR | O_CREAT, 0644);
    int ofd = open("/tmp/kdsql-ofd.lck", O_RDWR | O_CREAT, 0644);
    struct flock w = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 100};
    struct flock r = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 200, .l_len = 100};
    struct flock whole = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (ffd < 0 || pfd < 0 || ofd < 0) return die("lock files");
    if (flock(ffd, LOCK_EX) || fcntl(pfd, F_SETLK, &w) || fcntl(pfd, F_SETLK, &r) || fcntl(ofd, F_OFD_SETLK, &whole))
        return die("locks");
    if (fork() == 0) { /* a waiter: blocks on the write range the parent holds */
        int wfd = open("/tmp/kdsql-posix.lck", O_RDWR);
        prctl(PR_SET_NAME, "kdsql-lockwait", 0, 0, 0);
        fcntl(wfd, F_SETLKW, &w);
    }
    for (;;) pause();
}

struct nlreq { struct nlmsghdr n; char buf[2048]; };

static struct rtattr *nl_put(struct nlmsghdr *n, unsigned short type, const void *data, size_t len)
{
    struct rtattr *a = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len) memcpy(RTA_DATA(a), data, len);
    n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(a->rta_len);
    return a;
}

static void nl_close(struct nlmsghdr *n, struct rtattr *nest)
{
    nest->rta_len = (unsigned short)((char *)n + NLMSG_ALIGN(n->nlmsg_len) - (char *)nest);
}

static int nl_send(struct nlmsghdr *n, const char *what)
{
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    char buf[8192];
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    n->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    n->nlmsg_seq = 1;
    if (fd < 0 || sendto(fd, n, n->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) return die(what);
    ssize_t got = recv(fd, buf, sizeof buf, 0);
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    close(fd);
    if (got < (ssize_t)sizeof *h || h->nlmsg_type != NLMSG_ERROR) { fprintf(stderr, "%s: no ack\n", what); return 1; }
    int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
    if (err) { errno = -err; return die(what); }
    return 0;
}

static int mac(const char *s, unsigned char out[6])
{
    unsigned v[6];
    if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) return -1;
    for (int i = 0; i < 6; i++) out[i] = (unsigned char)v[i];
    return 0;
}

static int netlink(int argc, char **argv)
{
    struct nlreq req;
    unsigned char hw[6], dst[16];
    memset(&req, 0, sizeof req);
    if (argc == 7 && !strcmp(argv[1], "veth")) {
        __u32 nspid = (__u32)atol(argv[4]);
        req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
        req.n.nlmsg_type = RTM_NEWLINK;
        req.n.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
        nl_put(&req.n, IFLA_IFNAME, argv[2], strlen(argv[2]) + 1);
        if (mac(argv[5], hw) == 0) nl_put(&req.n, IFLA_ADDRESS, hw, 6);
        struct rtattr *info = nl_put(&req.n, IFLA_LINKINFO, NULL, 0);
        nl_put(&req.n, IFLA_INFO_KIND, "veth", 4);
        struct rtattr *data = nl_put(&req.n, IFLA_INFO_DATA, NULL, 0);
        struct rtattr *peer = nl_put(&req.n, VETH_INFO_PEER, NULL, 0);
        req.n.nlmsg_len += sizeof(struct ifinfomsg); /* the peer's own (zeroed) ifinfomsg */
        nl_put(&req.n, IFLA_IFNAME, argv[3], strlen(argv[3]) + 1);
        if (mac(argv[6], hw) == 0) nl_put(&req.n, IFLA_ADDRESS, hw, 6);
        nl_put(&req.n, IFLA_NET_NS_PID, &nspid, sizeof nspid); /* the peer is born in that namespace */
        nl_close(&req.n, peer);
        nl_close(&req.n, data);
        nl_close(&req.n, info);
        return nl_send(&req.n, "RTM_NEWLINK veth");
    }
    if (argc == 5 && !strcmp(argv[1], "neigh")) {
        struct ndmsg *nd = NLMSG_DATA(&req.n);
        int v6 = strchr(argv[3], ':') != NULL;
        if (inet_pton(v6 ? AF_INET6 : AF_INET, argv[3], dst) != 1 || mac(argv[4], hw)) {
            fprintf(stderr, "kdsql-netlink: bad address or MAC\n");
            return 2;
        }
        req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
        req.n.nlmsg_type = RTM_NEWNEIGH;
        req.n.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
        nd->ndm_family = v6 ? AF_INET6 : AF_INET;
        nd->ndm_state = NUD_PERMANENT;
        if (!(nd->ndm_ifindex = (int)if_nametoindex(argv[2]))) return die(argv[2]);
        nl_put(&req.n, NDA_DST, dst, v6 ? 16 : 4);
        nl_put(&req.n, NDA_LLADDR, hw, 6);
        return nl_send(&req.n, "RTM_NEWNEIGH");
    }
    fprintf(stderr, "usage: kdsql-netlink veth NAME PEER NSPID MAC PEERMAC | neigh IFNAME ADDR MAC\n");
    return 2;
}

static ssize_t slurp(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    ssize_t n, total = 0;
    if (fd < 0) return -1;
    while ((size_t)total < size - 1 && (n = read(fd, buf + total, size - 1 - (size_t)total)) > 0) total += n;
    close(fd);
    buf[total] = 0;
    return total;
}

static int numeric(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++) if (*s < '0' || *s > '9') return 0;
    return 1;
}

static int pidinfo(void)
{
    static const char *const ns[] = {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
                                     "time", "time_for_children", "user", "uts", NULL};
    static const char *const keys[] = {"se.exec_start", "se.vruntime", "se.sum_exec_runtime", "se.nr_migrations",
        "sum_sleep_runtime", "sum_block_runtime", "wait_start", "sleep_start", "block_start", "wait_sum",
        "wait_count", "iowait_sum", "iowait_count", "nr_switches", "nr_voluntary_switches",
        "nr_involuntary_switches", "se.load.weight", "policy", "prio", NULL};
    static char buf[65536];
    char path[256], target[256], *save;
    long self = (long)getpid();
    struct dirent *p, *t;
    DIR *proc = opendir("/proc"), *task;
    if (!proc) return die("/proc");
    while ((p = readdir(proc))) {
        if (!numeric(p->d_name) || atol(p->d_name) == self) continue;
        long pid = atol(p->d_name);
        for (int i = 0; ns[i]; i++) {
            snprintf(path, sizeof path, "/proc/%ld/ns/%s", pid, ns[i]);
            ssize_t n = readlink(path, target, sizeof target - 1);
            if (n > 0) { target[n] = 0; printf("N %ld %s %s\n", pid, ns[i], target); }
        }
        snprintf(path, sizeof path, "/proc/%ld/cgroup", pid);
        if (slurp(path, buf, sizeof buf) > 0)
            for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) printf("C %ld %s\n", pid, l);
        snprintf(path, sizeof path, "/proc/%ld/task", pid);
        if (!(task = opendir(path))) continue;
        while ((t = readdir(task))) {
            if (!numeric(t->d_name)) continue;
            long tid = atol(t->d_name);
            snprintf(path, sizeof path, "/proc/%ld/task/%ld/schedstat", pid, tid);
            if (slurp(path, buf, sizeof buf) > 0) { buf[strcspn(buf, "\n")] = 0; printf("Q %ld %ld %s\n", pid, tid, buf); }
            snprintf(path, sizeof path, "/proc/%ld/task/%ld/sched", pid, tid);
            if (slurp(path, buf, sizeof buf) <= 0) continue;
            for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char key[64], val[64];
                if (sscanf(l, " %63s : %63s", key, val) != 2) continue;
                for (int k = 0; keys[k]; k++)
                    if (!strcmp(key, keys[k])) printf("S %ld %ld %s %s\n", pid, tid, key, val);
            }
        }
        closedir(task);
    }
    closedir(proc);
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
    if (!strcmp(me, "kdsql-swaphog")) return swaphog(argc, argv);
    if (!strcmp(me, "kdsql-ipc")) return ipc(argc, argv);
    if (!strcmp(me, "kdsql-signals")) return signals();
    if (!strcmp(me, "kdsql-locks")) return locks();
    if (!strcmp(me, "kdsql-netlink")) return netlink(argc, argv);
    if (!strcmp(me, "kdsql-pidinfo")) return pidinfo();
    fprintf(stderr, "kdsql-helper: unknown mode %s\n", me);
    return 2;
}
