/* nRF52840 (Cortex-M4F, 64 MHz): UARTE0 with EasyDMA, TX P0.06 / RX P0.08 (the nRF52840-DK
 * J-Link VCP pins), 115200 8N1. Built and linked only: no QEMU machine exists for it, so this
 * file has not run anywhere. One byte of RX is always armed into an RAM buffer. */
#include "../tt_board.h"

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))
#define UARTE0 0x40002000u
#define TASKS_STARTRX  REG32(UARTE0 + 0x000u)
#define TASKS_STARTTX  REG32(UARTE0 + 0x008u)
#define EVENTS_ENDRX   REG32(UARTE0 + 0x110u)
#define EVENTS_ENDTX   REG32(UARTE0 + 0x120u)
#define ENABLE         REG32(UARTE0 + 0x500u)
#define PSEL_RTS       REG32(UARTE0 + 0x508u)
#define PSEL_TXD       REG32(UARTE0 + 0x50Cu)
#define PSEL_CTS       REG32(UARTE0 + 0x510u)
#define PSEL_RXD       REG32(UARTE0 + 0x514u)
#define BAUDRATE       REG32(UARTE0 + 0x524u)
#define RXD_PTR        REG32(UARTE0 + 0x534u)
#define RXD_MAXCNT     REG32(UARTE0 + 0x538u)
#define RXD_AMOUNT     REG32(UARTE0 + 0x53Cu)
#define TXD_PTR        REG32(UARTE0 + 0x544u)
#define TXD_MAXCNT     REG32(UARTE0 + 0x548u)
#define CONFIG         REG32(UARTE0 + 0x56Cu)
#define P0_PIN_CNF(n)  REG32(0x50000700u + 4u * (n))
#define P0_OUTSET      REG32(0x50000508u)

static uint8_t tt_rx_byte;
static uint8_t tt_tx_buf[64];  /* EasyDMA reads RAM only, so flash data is copied here */

void tt_cortexm_counter_init(void);

static void tt_arm_rx(void) {
  EVENTS_ENDRX = 0;
  RXD_PTR = (uint32_t)(uintptr_t)&tt_rx_byte;
  RXD_MAXCNT = 1;
  TASKS_STARTRX = 1;
}

void tt_board_init(void) {
  P0_OUTSET = 1u << 6;
  P0_PIN_CNF(6) = 1u;        /* TX: output */
  P0_PIN_CNF(8) = 0u;        /* RX: input, buffer connected */
  PSEL_TXD = 6u;
  PSEL_RXD = 8u;
  PSEL_RTS = 0xFFFFFFFFu;    /* disconnected */
  PSEL_CTS = 0xFFFFFFFFu;
  BAUDRATE = 0x01D7E000u;    /* 115200 */
  CONFIG = 0;                /* no parity, no flow control */
  ENABLE = 8u;               /* UARTE */
  tt_arm_rx();
  tt_cortexm_counter_init();
}

const char *tt_board_name(void) { return "nrf52840"; }

void tt_uart_write(const void *data, size_t n) {
  const uint8_t *p = (const uint8_t *)data;
  while (n) {
    size_t k = n < sizeof tt_tx_buf ? n : sizeof tt_tx_buf;
    for (size_t i = 0; i < k; i++) tt_tx_buf[i] = p[i];
    EVENTS_ENDTX = 0;
    TXD_PTR = (uint32_t)(uintptr_t)tt_tx_buf;
    TXD_MAXCNT = (uint32_t)k;
    TASKS_STARTTX = 1;
    while (!EVENTS_ENDTX) {}
    p += k;
    n -= k;
  }
}

int tt_uart_read(uint8_t *byte, uint64_t timeout) {
  uint64_t start = (timeout != 0 && timeout != TT_WAIT_FOREVER) ? tt_counter() : 0;
  for (;;) {
    if (EVENTS_ENDRX) {
      int got = RXD_AMOUNT == 1u;
      uint8_t b = tt_rx_byte;
      tt_arm_rx();
      if (got) { *byte = b; return 1; }
    }
    if (timeout == 0) return 0;
    if (timeout != TT_WAIT_FOREVER && tt_counter() - start >= timeout) return 0;
  }
}
