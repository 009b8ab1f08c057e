/* host board: the development machine, built with the native gcc. The UART is stdin/stdout
 * (binary, unbuffered writes flushed per call), the counter CLOCK_MONOTONIC in ns. */
#define _POSIX_C_SOURCE 200809L
#include "../tt_board.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <poll.h>
#include <unistd.h>

static uint64_t tt_t0;

static uint64_t tt_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void tt_board_init(void) { tt_t0 = tt_now_ns(); }

const char *tt_board_name(void) { return "host"; }

void tt_uart_write(const void *data, size_t n) {
  const uint8_t *p = (const uint8_t *)data;
  while (n) {
    ssize_t k = write(1, p, n);
    if (k <= 0) return;
    p += k;
    n -= (size_t)k;
  }
}

int tt_uart_read(uint8_t *byte, uint64_t timeout) {
  struct pollfd pfd = {0, POLLIN, 0};
  uint64_t msl = timeout / 1000000ull;
  int ms = (timeout == TT_WAIT_FOREVER || msl > 0x7FFFFFFFull) ? -1 : (int)msl;
  if (poll(&pfd, 1, ms) <= 0) return 0;
  ssize_t k = read(0, byte, 1);
  return k == 1 ? 1 : -1;
}

uint64_t tt_counter(void) { return tt_now_ns() - tt_t0; }
uint32_t tt_counter_hz(void) { return 1000000000u; }
uint64_t tt_counter_to_ns(uint64_t counts) { return counts; }

void tt_exit(int code) {
  fflush(stdout);
  exit(code);
}

void tt_stack_paint(void) {}
size_t tt_stack_high_water(void) { return 0; }
size_t tt_stack_size(void) { return 0; }
