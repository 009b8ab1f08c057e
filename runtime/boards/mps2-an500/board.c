/* QEMU `mps2-an500` (Cortex-M7): the QEMU variant of the stm32f746 board. CMSDK UART0 at
 * 0x40004000. The linker script still holds the program to the STM32F746's 320 KB RAM and
 * 1 MB flash, so a model that fits here fits the real chip's budget. The name reported in
 * HELLO is "stm32f746" (the board being emulated). */
#include "../tt_board.h"

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))
#define UART0_DATA    REG32(0x40004000u)
#define UART0_STATE   REG32(0x40004004u)
#define UART0_CTRL    REG32(0x40004008u)
#define UART0_BAUDDIV REG32(0x40004010u)
#define STATE_TXFULL (1u << 0)
#define STATE_RXFULL (1u << 1)

void tt_cortexm_counter_init(void);

void tt_board_init(void) {
  UART0_BAUDDIV = 16u;
  UART0_CTRL = 3u;  /* TX enable, RX enable */
  tt_cortexm_counter_init();
}

const char *tt_board_name(void) { return "stm32f746"; }

void tt_uart_write(const void *data, size_t n) {
  const uint8_t *p = (const uint8_t *)data;
  while (n--) {
    while (UART0_STATE & STATE_TXFULL) {}
    UART0_DATA = *p++;
  }
}

int tt_uart_read(uint8_t *byte, uint64_t timeout) {
  uint64_t start = (timeout != 0 && timeout != TT_WAIT_FOREVER) ? tt_counter() : 0;
  for (;;) {
    if (UART0_STATE & STATE_RXFULL) { *byte = (uint8_t)UART0_DATA; return 1; }
    if (timeout == 0) return 0;
    if (timeout != TT_WAIT_FOREVER && tt_counter() - start >= timeout) return 0;
  }
}
