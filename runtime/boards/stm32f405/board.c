/* STM32F405 (Cortex-M4F): USART1 on PA9/PA10, 115200 8N1 from the 16 MHz HSI reset clock.
 * Runs unchanged on QEMU `netduinoplus2` (flash 0x08000000, 192 KB RAM at 0x20000000).
 * Clocks are left at reset (no PLL: QEMU 7.2 does not model the STM32F4 RCC, a PLL-ready
 * wait would hang there). TT_CORE_HZ is 168 MHz because that is the clock QEMU's SysTick
 * uses on this machine; on a real chip without PLL setup the counter runs at 16 MHz. */
#include "../tt_board.h"

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))
#define RCC_AHB1ENR REG32(0x40023830u)
#define RCC_APB2ENR REG32(0x40023844u)
#define GPIOA_MODER REG32(0x40020000u)
#define GPIOA_AFRH  REG32(0x40020024u)
#define USART1_SR   REG32(0x40011000u)
#define USART1_DR   REG32(0x40011004u)
#define USART1_BRR  REG32(0x40011008u)
#define USART1_CR1  REG32(0x4001100Cu)
#define SR_RXNE (1u << 5)
#define SR_TXE  (1u << 7)
#define SR_ORE  (1u << 3)

void tt_cortexm_counter_init(void);

void tt_board_init(void) {
  RCC_AHB1ENR |= 1u << 0;  /* GPIOA */
  RCC_APB2ENR |= 1u << 4;  /* USART1 */
  GPIOA_MODER = (GPIOA_MODER & ~((3u << 18) | (3u << 20))) | (2u << 18) | (2u << 20);
  GPIOA_AFRH = (GPIOA_AFRH & ~((0xFu << 4) | (0xFu << 8))) | (7u << 4) | (7u << 8);
  USART1_BRR = 0x8Bu;  /* 16 MHz / 115200: mantissa 8, fraction 11 */
  USART1_CR1 = (1u << 13) | (1u << 3) | (1u << 2);  /* UE, TE, RE */
  tt_cortexm_counter_init();
}

const char *tt_board_name(void) { return "stm32f405"; }

void tt_uart_write(const void *data, size_t n) {
  const uint8_t *p = (const uint8_t *)data;
  while (n--) {
    while (!(USART1_SR & SR_TXE)) {}
    USART1_DR = *p++;
  }
}

int tt_uart_read(uint8_t *byte, uint64_t timeout) {
  uint64_t start = (timeout != 0 && timeout != TT_WAIT_FOREVER) ? tt_counter() : 0;
  for (;;) {
    uint32_t sr = USART1_SR;
    if (sr & (SR_RXNE | SR_ORE)) {
      uint32_t d = USART1_DR;  /* reading DR clears RXNE and ORE */
      if (sr & SR_RXNE) { *byte = (uint8_t)d; return 1; }
    }
    if (timeout == 0) return 0;
    if (timeout != TT_WAIT_FOREVER && tt_counter() - start >= timeout) return 0;
  }
}
