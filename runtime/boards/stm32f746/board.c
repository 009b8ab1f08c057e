/* STM32F746 (Cortex-M7): USART1 on PA9/PA10 (the ST-LINK VCP on the Discovery board uses
 * PA9/PB7; PA10 is the bootloader's RX), 115200 8N1 from the 16 MHz HSI reset clock.
 * Built for the real chip's memory map (flash 0x08000000, 320 KB SRAM at 0x20000000).
 * No QEMU machine models this chip; the QEMU variant is runtime/boards/mps2-an500. */
#include "../tt_board.h"

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))
#define RCC_AHB1ENR REG32(0x40023830u)
#define RCC_APB2ENR REG32(0x40023844u)
#define GPIOA_MODER REG32(0x40020000u)
#define GPIOA_AFRH  REG32(0x40020024u)
#define USART1_CR1  REG32(0x40011000u)
#define USART1_BRR  REG32(0x4001100Cu)
#define USART1_ISR  REG32(0x4001101Cu)
#define USART1_ICR  REG32(0x40011020u)
#define USART1_RDR  REG32(0x40011024u)
#define USART1_TDR  REG32(0x40011028u)
#define ISR_ORE  (1u << 3)
#define ISR_RXNE (1u << 5)
#define ISR_TXE  (1u << 7)

void tt_cortexm_counter_init(void);

void tt_board_init(void) {
  RCC_AHB1ENR |= 1u << 0;  /* GPIOA */
  RCC_APB2ENR |= 1u << 4;  /* USART1 */
  GPIOA_MODER = (GPIOA_MODER & ~((3u << 18) | (3u << 20))) | (2u << 18) | (2u << 20);
  GPIOA_AFRH = (GPIOA_AFRH & ~((0xFu << 4) | (0xFu << 8))) | (7u << 4) | (7u << 8);
  USART1_BRR = 139u;  /* 16 MHz / 115200, oversampling by 16 */
  USART1_CR1 = (1u << 3) | (1u << 2) | (1u << 0);  /* TE, RE, UE */
  tt_cortexm_counter_init();
}

const char *tt_board_name(void) { return "stm32f746"; }

void tt_uart_write(const void *data, size_t n) {
  const uint8_t *p = (const uint8_t *)data;
  while (n--) {
    while (!(USART1_ISR & ISR_TXE)) {}
    USART1_TDR = *p++;
  }
}

int tt_uart_read(uint8_t *byte, uint64_t timeout) {
  uint64_t start = (timeout != 0 && timeout != TT_WAIT_FOREVER) ? tt_counter() : 0;
  for (;;) {
    uint32_t isr = USART1_ISR;
    if (isr & ISR_ORE) USART1_ICR = ISR_ORE;
    if (isr & ISR_RXNE) { *byte = (uint8_t)USART1_RDR; return 1; }
    if (timeout == 0) return 0;
    if (timeout != TT_WAIT_FOREVER && tt_counter() - start >= timeout) return 0;
  }
}
