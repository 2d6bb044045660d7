// The floor for Checks/bench/vs-haproxy.sh: the least a health checker can do per HTTP probe, written plainly.
// One process, one thread, one epoll. Every target is probed once per interval, the starts spread evenly over the
// interval in file order: non-blocking connect, then (https only) a TLS handshake with OpenSSL, certificate not
// verified, no SNI as for an IP URL; one write of `GET PATH HTTP/1.1` with Host and Connection: close; reads until
// the status line is complete and is "HTTP/1.x 200"; close. A probe not done by its timeout fails.
// With -r a TLS target offers the session of its previous probe (resumption, HAProxy's default for its checks);
// without it every TLS probe is a full handshake, as drcheck makes them (it keeps no TLS session).
// At exit (SIGTERM, SIGINT or after SECONDS) prints one line: probes started, ok, failed, timed out, skipped.
//
// Usage: min-checker [-r] URLFILE [SECONDS [INTERVAL_MS [TIMEOUT_MS]]]   (SECONDS 0: until a signal)
// URLFILE: one http://A.B.C.D[:PORT]/PATH or https://… a line.
// Build: gcc -O2 -o min-checker min-checker.c -lssl -lcrypto
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum state { IDLE, CONNECTING, HANDSHAKE, SENDING, READING };

struct target {
    struct sockaddr_in address;
    char *request;
    size_t request_length;
    int tls;
    SSL_SESSION *session; // -r: the last session the server gave this target
    // The probe in flight.
    enum state state;
    int fd;
    SSL *ssl;
    size_t sent, got;
    char head[128]; // the response's first bytes: the status line must fit
    uint64_t deadline;
    struct target *prev, *next; // in flight, in start order: deadlines in order too (one timeout for all)
};

static struct target *first, *last; // the probes in flight, oldest first
static SSL_CTX *tls_context;
static int epoll_fd, resume;
static unsigned long long started, ok, failed, timed_out, skipped, tls_probes, tls_resumed;
static volatile sig_atomic_t stop;

static void on_signal(int signal) {
    (void)signal;
    stop = 1;
}

static uint64_t now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static void die(const char *what) {
    perror(what);
    exit(2);
}

// Called by OpenSSL when the server hands out a session (TLS 1.3: a ticket after the handshake); kept for the
// target's next probe under -r. Returns 1: the reference is ours.
static int new_session(SSL *ssl, SSL_SESSION *session) {
    struct target *t = SSL_get_app_data(ssl);
    if (t->session) SSL_SESSION_free(t->session);
    t->session = session;
    return 1;
}

enum outcome { OK, FAILED, TIMED_OUT };

// Ends the probe in flight: counts it, closes its socket (which leaves the epoll set) and unlinks it.
static void finish(struct target *t, enum outcome outcome) {
    if (t->ssl) {
        if (SSL_session_reused(t->ssl)) tls_resumed++;
        // No close_notify (the connection is dropped as a checker would); marked shut down quietly so that
        // OpenSSL does not mark the session unusable.
        SSL_set_quiet_shutdown(t->ssl, 1);
        SSL_set_shutdown(t->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_free(t->ssl);
        t->ssl = NULL;
        ERR_clear_error();
    }
    close(t->fd);
    t->fd = -1;
    t->state = IDLE;
    if (outcome == OK) ok++;
    else if (outcome == FAILED) failed++;
    else timed_out++;
    if (t->prev) t->prev->next = t->next;
    else first = t->next;
    if (t->next) t->next->prev = t->prev;
    else last = t->prev;
}

static void start(struct target *t, uint64_t now, uint64_t timeout) {
    if (t->state != IDLE) { // still in flight from the last round (only if the timeout exceeds the interval)
        skipped++;
        return;
    }
    started++;
    t->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (t->fd < 0) {
        failed++;
        return;
    }
    t->state = CONNECTING;
    t->sent = t->got = 0;
    t->deadline = now + timeout;
    t->prev = last;
    t->next = NULL;
    if (last) last->next = t;
    else first = t;
    last = t;
    if (connect(t->fd, (struct sockaddr *)&t->address, sizeof t->address) < 0 && errno != EINPROGRESS) {
        finish(t, FAILED);
        return;
    }
    // Edge-triggered for both directions: registered once, never modified; every step below runs until the
    // socket (or OpenSSL on top of it) would block, so no edge is missed.
    struct epoll_event event = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = t};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, t->fd, &event) < 0) finish(t, FAILED);
}

enum { WAITING = -1, DONE = -2 }; // a step that waits for the socket, or is done; else a probe's outcome

// What an OpenSSL call's result means: DONE, WAITING for the socket, or the probe FAILED.
static int tls_step(struct target *t, int result) {
    if (result > 0) return DONE;
    int error = SSL_get_error(t->ssl, result);
    return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE ? WAITING : FAILED;
}

// Takes the probe as far as the socket allows: returns WAITING, or its outcome (OK or FAILED).
static int advance(struct target *t, uint32_t events) {
    int step;
    if (t->state == CONNECTING) {
        if (events & (EPOLLERR | EPOLLHUP)) return FAILED; // refused or reset
        if (!(events & EPOLLOUT)) return WAITING;
        if (t->tls) {
            if (!(t->ssl = SSL_new(tls_context))) return FAILED;
            SSL_set_app_data(t->ssl, t);
            SSL_set_fd(t->ssl, t->fd);
            SSL_set_connect_state(t->ssl);
            if (t->session) SSL_set_session(t->ssl, t->session);
            tls_probes++;
            t->state = HANDSHAKE;
        } else {
            t->state = SENDING;
        }
    }
    if (t->state == HANDSHAKE) {
        if ((step = tls_step(t, SSL_do_handshake(t->ssl))) != DONE) return step;
        t->state = SENDING;
    }
    if (t->state == SENDING) {
        while (t->sent < t->request_length) {
            const char *rest = t->request + t->sent;
            size_t length = t->request_length - t->sent, written = 0;
            if (t->ssl) {
                if ((step = tls_step(t, SSL_write_ex(t->ssl, rest, length, &written))) != DONE) return step;
            } else {
                ssize_t result = send(t->fd, rest, length, MSG_NOSIGNAL);
                if (result < 0) return errno == EAGAIN ? WAITING : FAILED;
                written = (size_t)result;
            }
            t->sent += written;
        }
        t->state = READING;
    }
    for (;;) { // READING
        char *end = t->head + t->got;
        size_t room = sizeof t->head - 1 - t->got, count = 0;
        if (room == 0) return FAILED; // no status line in 127 bytes
        if (t->ssl) {
            if ((step = tls_step(t, SSL_read_ex(t->ssl, end, room, &count))) != DONE) return step;
        } else {
            ssize_t result = recv(t->fd, end, room, 0);
            if (result < 0) return errno == EAGAIN ? WAITING : FAILED;
            if (result == 0) return FAILED; // closed before a status line
            count = (size_t)result;
        }
        t->got += count;
        t->head[t->got] = 0;
        if (memchr(t->head, '\n', t->got)) {
            return strncmp(t->head, "HTTP/1.", 7) == 0 && t->got >= 13 && memcmp(t->head + 8, " 200", 4) == 0 &&
                           (t->head[12] == ' ' || t->head[12] == '\r')
                       ? OK
                       : FAILED;
        }
    }
}

// Reads URLFILE into targets, each with its request made once.
static struct target *load(const char *path, size_t *count) {
    FILE *file = fopen(path, "r");
    if (!file) die(path);
    struct target *targets = NULL;
    size_t n = 0, capacity = 0;
    char line[2048], scheme[8], host[64], rest[1900];
    while (fgets(line, sizeof line, file)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0]) continue;
        unsigned port = 0;
        rest[0] = 0;
        if (sscanf(line, "%7[a-z]://%63[0-9.]:%u%1899s", scheme, host, &port, rest) < 3 &&
            sscanf(line, "%7[a-z]://%63[0-9.]%1899s", scheme, host, rest) < 2) {
            fprintf(stderr, "min-checker: not a URL with an IPv4 address: %s\n", line);
            exit(2);
        }
        int tls = strcmp(scheme, "https") == 0;
        if (!tls && strcmp(scheme, "http") != 0) {
            fprintf(stderr, "min-checker: http or https only: %s\n", line);
            exit(2);
        }
        if (!port) port = tls ? 443 : 80;
        if (n == capacity) {
            capacity = capacity ? 2 * capacity : 1024;
            if (!(targets = realloc(targets, capacity * sizeof *targets))) die("realloc");
        }
        struct target *t = &targets[n++];
        memset(t, 0, sizeof *t);
        t->fd = -1;
        t->tls = tls;
        t->address.sin_family = AF_INET;
        t->address.sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, host, &t->address.sin_addr) != 1) {
            fprintf(stderr, "min-checker: bad address: %s\n", line);
            exit(2);
        }
        int length = asprintf(&t->request, "GET %s HTTP/1.1\r\nHost: %s:%u\r\nConnection: close\r\n\r\n",
                              rest[0] ? rest : "/", host, port);
        if (length < 0) die("asprintf");
        t->request_length = (size_t)length;
    }
    fclose(file);
    *count = n;
    return targets;
}

int main(int argc, char **argv) {
    int arg = 1;
    if (arg < argc && strcmp(argv[arg], "-r") == 0) resume = 1, arg++;
    if (arg >= argc) {
        fprintf(stderr, "usage: min-checker [-r] URLFILE [SECONDS [INTERVAL_MS [TIMEOUT_MS]]]\n");
        return 2;
    }
    size_t n;
    struct target *targets = load(argv[arg], &n);
    double seconds = arg + 1 < argc ? atof(argv[arg + 1]) : 0;
    uint64_t interval = (arg + 2 < argc ? strtoull(argv[arg + 2], NULL, 10) : 1000) * 1000000u;
    uint64_t timeout = (arg + 3 < argc ? strtoull(argv[arg + 3], NULL, 10) : 1000) * 1000000u;
    if (n == 0 || interval == 0 || timeout == 0) {
        fprintf(stderr, "min-checker: no targets, or a zero interval or timeout\n");
        return 2;
    }

    // A descriptor per probe in flight: take the hard limit.
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    tls_context = SSL_CTX_new(TLS_client_method());
    if (!tls_context) die("SSL_CTX_new");
    SSL_CTX_set_verify(tls_context, SSL_VERIFY_NONE, NULL);
    // Sessions are kept per target by new_session, never in OpenSSL's own cache.
    SSL_CTX_set_session_cache_mode(tls_context, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    if (resume) SSL_CTX_sess_set_new_cb(tls_context, new_session);
    if ((epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0) die("epoll_create1");

    // SIGTERM and SIGINT are blocked except inside epoll_pwait, so one cannot slip in before the wait.
    sigset_t blocked, waiting;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGINT);
    sigprocmask(SIG_BLOCK, &blocked, &waiting);
    struct sigaction action = {.sa_handler = on_signal};
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    signal(SIGPIPE, SIG_IGN);

    uint64_t begin = now_ns(), end = seconds > 0 ? begin + (uint64_t)(seconds * 1e9) : UINT64_MAX;
    uint64_t slot = 0; // starts made: target slot % n, due at begin + slot * interval / n
    struct epoll_event events[256];
    for (;;) {
        uint64_t now = now_ns();
        if (stop || now >= end) break;
        while (first && first->deadline <= now) finish(first, TIMED_OUT);
        uint64_t due;
        while ((due = begin + slot * interval / n) <= now) {
            start(&targets[slot % n], now, timeout);
            slot++;
        }
        uint64_t wake = due;
        if (first && first->deadline < wake) wake = first->deadline;
        if (end < wake) wake = end;
        int wait_ms = (int)((wake - now + 999999) / 1000000); // rounded up: never wakes early and spins
        int ready = epoll_pwait(epoll_fd, events, 256, wait_ms, &waiting);
        if (ready < 0 && errno != EINTR) die("epoll_pwait");
        for (int i = 0; i < ready; i++) {
            struct target *t = events[i].data.ptr;
            int outcome = t->state == IDLE ? WAITING : advance(t, events[i].events);
            if (outcome != WAITING) finish(t, (enum outcome)outcome);
        }
    }
    double ran = (double)(now_ns() - begin) / 1e9;
    printf("min-checker: targets %zu, ran %.1fs: probes started %llu, ok %llu, failed %llu, timed out %llu, "
           "still in flight %llu, skipped %llu",
           n, ran, started, ok, failed, timed_out, started - ok - failed - timed_out, skipped);
    if (tls_probes) printf("; TLS handshakes %llu, resumed %llu", tls_probes, tls_resumed);
    printf("\n");
    return 0;
}
