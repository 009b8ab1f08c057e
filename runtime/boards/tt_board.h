/* TinyTrain board API. One implementation per board in runtime/boards/<board>/board.c,
 * plus runtime/boards/cortexm/cortexm.c (startup, counter, exit, stack) for Cortex-M boards.
 * C99, no heap. Every generated training program talks to the hardware only through this. */
#ifndef TT_BOARD_H
#define TT_BOARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bring up clocks (left at reset defaults), the UART and the counter. Call first in main().
 * On Cortex-M the reset handler has already copied .data, zeroed .bss, enabled the FPU and
 * painted the stack before main() runs. */
void tt_board_init(void);

/* Board name as it appears in configs and in the HELLO frame ("stm32f405", ...). */
const char *tt_board_name(void);

/* Blocking write of n bytes to the board's console UART (stdout on host). */
void tt_uart_write(const void *data, size_t n);

/* Read one byte from the console UART.
 *   timeout == 0             : non-blocking poll
 *   timeout == TT_WAIT_FOREVER: block until a byte arrives
 *   otherwise                : give up after `timeout` counter units (see tt_counter()).
 * Returns 1 and stores the byte when one arrived, 0 on timeout, -1 on end of input (host). */
#define TT_WAIT_FOREVER UINT64_MAX
int tt_uart_read(uint8_t *byte, uint64_t timeout);

/* Monotonic 64-bit counter.
 * Cortex-M boards: SysTick clocked by the core clock (CLKSOURCE=1), reload 2^24-1, wraps
 *   counted in the SysTick interrupt -> core clock cycles since tt_board_init().
 *   In QEMU the "core clock" is the machine's modelled clock and with `-icount shift=0` one
 *   guest instruction is exactly 1 ns of virtual time, so the counter advances by
 *   tt_counter_hz()/1e9 per instruction (netduinoplus2: 168 MHz -> 0.168 per instruction,
 *   mps2-an500: 25 MHz -> 0.025) and readings repeat exactly run to run.
 *   tt_counter_to_ns() converts; under QEMU -icount shift=0, ns == guest instructions.
 * host: CLOCK_MONOTONIC nanoseconds. */
uint64_t tt_counter(void);
uint32_t tt_counter_hz(void);
uint64_t tt_counter_to_ns(uint64_t counts);

/* Terminate. Under QEMU (semihosting enabled) SYS_EXIT_EXTENDED makes QEMU exit with `code`;
 * without a debugger/semihosting host on real hardware this would fault, so real boards
 * built without TT_SEMIHOSTING park in a WFI loop instead. host: exit(code). */
void tt_exit(int code) __attribute__((noreturn));

/* Stack high-water mark. The reset handler paints the whole stack region (between the end
 * of .bss/heap and the initial SP) with TT_STACK_PAINT before main; tt_stack_paint() may be
 * called again later (it spares the bytes currently in use). tt_stack_high_water() returns
 * the deepest stack use in bytes seen since painting; tt_stack_size() the region size.
 * host: both return 0 (not measured). */
#define TT_STACK_PAINT 0xC5C5C5C5u
void tt_stack_paint(void);
size_t tt_stack_high_water(void);
size_t tt_stack_size(void);

#ifdef __cplusplus
}
#endif
#endif
