/*
 * The load generator's ceiling: a responder that does no work at all. It answers every request
 * it reads with one fixed response, recorded from Hush for the same scenario, so the only costs
 * left are the kernel's and wrk's own. No server can be measured above what wrk reaches here;
 * a ratio target above (ceiling / peer) cannot be met under the same protocol.
 *
 *   ceiling PORT RESPONSE_FILE      (listens on 127.0.0.1 only)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: ceiling PORT RESPONSE_FILE\n"); return 2; }
    int port = atoi(argv[1]);
    int rf = open(argv[2], O_RDONLY);
    struct stat st;
    if (rf < 0 || fstat(rf, &st) != 0 || st.st_size <= 0 || st.st_size > (1 << 20)) { perror(argv[2]); return 1; }
    char *response = malloc(st.st_size);
    if (!response || read(rf, response, st.st_size) != st.st_size) { perror(argv[2]); return 1; }
    close(rf);
    size_t length = (size_t)st.st_size;

    int one = 1;
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 4096) != 0) { perror("bind"); return 1; }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);

    struct epoll_event events[512];
    char buffer[16384];
    for (;;) {
        int n = epoll_wait(ep, events, 512, -1);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                int c;
                while ((c = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct epoll_event e = {.events = EPOLLIN | EPOLLET, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
                }
                continue;
            }
            ssize_t r = read(fd, buffer, sizeof buffer);
            if (r <= 0) { close(fd); continue; }
            /* One answer per complete head (wrk sends one at a time; a split head is answered
               when its end arrives). */
            for (ssize_t k = 3; k < r; k++) {
                if (buffer[k] == '\n' && buffer[k - 1] == '\r' && buffer[k - 2] == '\n' && buffer[k - 3] == '\r') {
                    if (write(fd, response, length) < 0) { close(fd); break; }
                }
            }
        }
    }
}
