/* Cortex-M common part of the board API: vector table, reset handler (no assembly), SysTick
 * based 64-bit counter, semihosting exit and stack painting. Each board adds board.c with the
 * UART (tt_board_init, tt_board_name, tt_uart_write, tt_uart_read) and must define
 * TT_CORE_HZ (its core clock as the counter sees it; set by the board flag table). */
#include "../tt_board.h"

#ifndef TT_CORE_HZ
#error "TT_CORE_HZ must be defined by the board flags (device/firmware/boards.ts)"
#endif

/* Linker script symbols (runtime/boards/cortexm/cortexm.ld.in). */
extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _sstack, _estack;

int main(void);
void Reset_Handler(void);
void TT_Default_Handler(void);
void TT_HardFault_Handler(void);
void SysTick_Handler(void);

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))
#define SCB_CPACR REG32(0xE000ED88u)
#define SCB_VTOR  REG32(0xE000ED08u)
#define SYST_CSR  REG32(0xE000E010u)
#define SYST_RVR  REG32(0xE000E014u)
#define SYST_CVR  REG32(0xE000E018u)
#define SYST_RELOAD 0x00FFFFFFu

static inline uint32_t tt_get_sp(void) {
  uint32_t sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  return sp;
}

/* Paint [_sstack, limit) word by word. */
static void tt_paint_below(uint32_t limit) {
  uint32_t *p = &_sstack;
  while ((uint32_t)(uintptr_t)p + 4u <= limit) *p++ = TT_STACK_PAINT;
}

void Reset_Handler(void) {
  uint32_t *src = &_sidata, *dst = &_sdata;
  while (dst < &_edata) *dst++ = *src++;
  for (dst = &_sbss; dst < &_ebss; ) *dst++ = 0u;
#if defined(__ARM_FP)
  /* CP10 and CP11 full access, before any floating-point instruction. */
  SCB_CPACR |= (0xFu << 20);
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
  /* Leave 64 bytes for this frame. */
  tt_paint_below(tt_get_sp() - 64u);
  (void)main();
  tt_exit(0);
}

void TT_Default_Handler(void) {
  tt_exit(0xDE);
}

void TT_HardFault_Handler(void) {
  static const char msg[] = "\r\n[tinytrain] HardFault\r\n";
  tt_uart_write(msg, sizeof msg - 1);
  tt_exit(0xFA);
}

void NMI_Handler(void) __attribute__((weak, alias("TT_Default_Handler")));
void MemManage_Handler(void) __attribute__((weak, alias("TT_HardFault_Handler")));
void BusFault_Handler(void) __attribute__((weak, alias("TT_HardFault_Handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("TT_HardFault_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("TT_Default_Handler")));
void DebugMon_Handler(void) __attribute__((weak, alias("TT_Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("TT_Default_Handler")));

typedef void (*tt_vector_t)(void);
/* 16 system vectors; no peripheral interrupt is enabled by TinyTrain. */
__attribute__((section(".isr_vector"), used))
const tt_vector_t tt_vector_table[16] = {
  (tt_vector_t)(uintptr_t)&_estack,
  Reset_Handler,
  NMI_Handler,
  TT_HardFault_Handler,
  MemManage_Handler,
  BusFault_Handler,
  UsageFault_Handler,
  0, 0, 0, 0,
  SVC_Handler,
  DebugMon_Handler,
  0,
  PendSV_Handler,
  SysTick_Handler,
};

/* ---- counter: SysTick on the core clock, wraps counted in its interrupt ---- */
static volatile uint32_t tt_systick_wraps;

void SysTick_Handler(void) {
  tt_systick_wraps++;
}

void tt_cortexm_counter_init(void);
void tt_cortexm_counter_init(void) {
  tt_systick_wraps = 0;
  SYST_CSR = 0;
  SYST_RVR = SYST_RELOAD;
  SYST_CVR = 0;
  /* CLKSOURCE = core clock (bit 2), TICKINT (bit 1), ENABLE (bit 0). */
  SYST_CSR = 7u;
}

uint64_t tt_counter(void) {
  uint32_t hi, val;
  do {
    hi = tt_systick_wraps;
    val = SYST_CVR;
  } while (hi != tt_systick_wraps);
  return (uint64_t)hi * (SYST_RELOAD + 1u) + (uint64_t)(SYST_RELOAD - (val & SYST_RELOAD));
}

uint32_t tt_counter_hz(void) {
  return (uint32_t)TT_CORE_HZ;
}

uint64_t tt_counter_to_ns(uint64_t counts) {
  /* counts * 1e9 / hz without overflowing for any realistic run. */
  uint64_t hz = (uint64_t)TT_CORE_HZ;
  return (counts / hz) * 1000000000ull + ((counts % hz) * 1000000000ull) / hz;
}

/* ---- exit ---- */
void tt_exit(int code) {
#if defined(TT_SEMIHOSTING) && TT_SEMIHOSTING
  /* SYS_EXIT_EXTENDED (0x20) with {ADP_Stopped_ApplicationExit, code}. */
  volatile uint32_t block[2] = {0x20026u, (uint32_t)code};
  register uint32_t r0 __asm__("r0") = 0x20u;
  register uint32_t r1 __asm__("r1") = (uint32_t)(uintptr_t)block;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  /* SYS_EXIT (0x18) for hosts without the extended call. */
  r0 = 0x18u;
  r1 = (code == 0) ? 0x20026u : 0x20023u;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
#else
  (void)code;
#endif
  for (;;) __asm__ volatile("wfi");
}

/* ---- newlib retarget: printf/puts/fwrite on stdout and stderr go to the UART ----
 * (newlib-nano's stdio allocates its buffers with malloc; the heap then grows from the end
 * of .bss into the painted stack region, so prefer tt_tm_print() in training programs.) */
int _write(int fd, const char *buf, int len);
int _write(int fd, const char *buf, int len) {
  if (fd != 1 && fd != 2) return -1;
  tt_uart_write(buf, (size_t)len);
  return len;
}

/* ---- stack high-water mark ---- */
void tt_stack_paint(void) {
  tt_paint_below(tt_get_sp() - 16u);
}

size_t tt_stack_high_water(void) {
  const uint32_t *p = &_sstack;
  while (p < &_estack && *p == TT_STACK_PAINT) p++;
  return (size_t)((uintptr_t)&_estack - (uintptr_t)p);
}

size_t tt_stack_size(void) {
  return (size_t)((uintptr_t)&_estack - (uintptr_t)&_sstack);
}
