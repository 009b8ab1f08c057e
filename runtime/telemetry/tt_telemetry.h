/* TinyTrain telemetry, device side (C99, no heap). Wire format: docs/telemetry.md.
 *   frame = 0x00 0xA5 | type u8 | seq u8 | len u16 LE | payload[len] | crc u16 LE
 *   crc   = CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over type, seq, len, payload.
 * Frames and plain text share the UART: text never contains 0x00, so the host parser tells
 * them apart and passes text through. All integers little-endian, floats IEEE-754 binary32.
 * Output goes through tt_uart_write() (runtime/boards/tt_board.h). */
#ifndef TT_TELEMETRY_H
#define TT_TELEMETRY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TT_TM_SYNC0 0x00u
#define TT_TM_SYNC1 0xA5u
#define TT_TM_VERSION 1u
#define TT_TM_HEADER_BYTES 6u
#define TT_TM_OVERHEAD 8u          /* header + crc */
#define TT_TM_MAX_PAYLOAD 4096u    /* hard protocol limit; a receiver may accept less */

enum tt_tm_type {
  TT_TM_HELLO = 0x01,  /* d->h */
  TT_TM_DONE = 0x02,   /* d->h */
  TT_TM_SAMPLE = 0x10, /* h->d */
  TT_TM_ACK = 0x11,    /* d->h */
  TT_TM_NACK = 0x12,   /* d->h */
  TT_TM_STEP = 0x20,   /* d->h */
  TT_TM_EVAL = 0x21,   /* d->h */
  TT_TM_PROFILE = 0x22,/* d->h */
  TT_TM_PREDICTION = 0x23, /* d->h: one per held-out sample, for the per-class table */
  TT_TM_TRAINED = 0x24,    /* d->h: the trained tensors at the end of a run, for tinytrain export */
  TT_TM_LOG = 0x30     /* d->h */
};

enum tt_tm_nack_reason {
  TT_NACK_CRC = 1,       /* frame arrived with a bad CRC */
  TT_NACK_TOO_LONG = 2,  /* payload longer than the receive buffer */
  TT_NACK_BAD_PAYLOAD = 3,
  TT_NACK_UNEXPECTED = 4,/* not a SAMPLE */
  TT_NACK_TIMEOUT = 5    /* nothing valid arrived in time: (re)send sample `seq` */
};

#define TT_SAMPLE_EVAL 0x01u /* SAMPLE flags: held-out sample, do not train on it */
#define TT_SAMPLE_LAST 0x02u /* last sample of the stream / epoch */

uint16_t tt_crc16_ccitt(uint16_t crc, const void *data, size_t n);

/* Send one frame (sequence numbers are assigned per frame, wrapping at 256). */
void tt_tm_send(uint8_t type, const void *payload, size_t len);
/* Plain text (never contains 0x00; the host shows it as text lines). */
void tt_tm_print(const char *text);

/* HELLO: version, window (samples the host may have unacknowledged), max SAMPLE payload the
 * device accepts, model hash, arena bytes, counter Hz, board name (tt_board_name()). */
void tt_tm_hello(uint32_t model_hash, uint32_t arena_bytes, uint16_t max_sample_payload);
/* STEP: step index, loss, predicted and true label, counter units spent in the step. */
void tt_tm_step(uint32_t step, float loss, uint8_t predicted, uint8_t label, uint64_t counter);
/* EVAL: accuracy = correct / total on held-out samples, mean loss. */
void tt_tm_eval(uint32_t step, uint32_t correct, uint32_t total, float loss);
/* PREDICTION: the class predicted for one held-out sample and its label (the host tallies the
 * confusion table; the device keeps no per-class state). */
void tt_tm_prediction(uint8_t predicted, uint8_t label);
void tt_tm_log(uint8_t level, const char *text);
void tt_tm_ack(uint8_t seq, uint8_t credits);
void tt_tm_nack(uint8_t seq, uint8_t reason);
/* PROFILE: counter units spent in each op of the training step, summed over `steps` steps;
 * `ops` counters in schedule order, sent as frames of up to TT_TM_PROFILE_CHUNK counters
 * (u32 steps, u16 ops, u16 first, u64 counts[]). Send before DONE. */
#define TT_TM_PROFILE_CHUNK 32u
void tt_tm_profile(uint32_t steps, uint16_t ops, const uint64_t *counts);
/* TRAINED: one trained tensor of the program (tt_trained[index] of count), sent as frames of up
 * to TT_TM_TRAINED_CHUNK data bytes (u16 index, u16 count, i16 conv, u8 kind, u8 0, u32 bytes,
 * u32 offset, data[]); the bytes as they are in memory (int32 biases little-endian on every
 * Cortex-M). Send after the last EVAL, before DONE. */
#define TT_TM_TRAINED_CHUNK 224u
void tt_tm_trained(uint16_t index, uint16_t count, int16_t conv, uint8_t kind, uint32_t bytes, const void *data);
/* DONE: status (0 = ok), steps, stack high-water / size (tt_stack_*), total counter. */
void tt_tm_done(uint8_t status, uint32_t steps, uint64_t total_counter);

/* ---- receiving (SAMPLE frames from the host) ---- */
typedef struct {
  uint8_t *buf;      /* caller's payload buffer */
  uint16_t cap;
  uint8_t state;
  uint8_t hdr[4];    /* type, seq, len lo, len hi */
  uint16_t pos;
  uint16_t len;
  uint16_t crc;
  uint8_t crc_lo;
  uint8_t type, seq; /* of the last complete frame */
  uint32_t frames, bad_frames;
  /* sample flow control (tt_tm_recv_sample) */
  uint8_t expect_seq;
  uint8_t ack_pending;
  uint8_t ack_seq;
  uint8_t started;
} tt_rx_t;

#define TT_RX_NONE 0
#define TT_RX_FRAME 1     /* rx->type, rx->seq, rx->buf[0..rx->len) hold a frame */
#define TT_RX_BAD (-1)    /* bad CRC or too long; rx->seq is the (unverified) seq */

void tt_rx_init(tt_rx_t *rx, uint8_t *buf, uint16_t cap);
int tt_rx_feed(tt_rx_t *rx, uint8_t byte);

typedef struct {
  uint8_t label;
  uint8_t flags;
  uint16_t n;
  const int8_t *input; /* points into rx->buf: valid until the next tt_tm_recv_sample */
} tt_sample_t;

/* Decode a SAMPLE payload: 0 on success, else a tt_tm_nack_reason. */
int tt_decode_sample(const uint8_t *payload, uint16_t len, tt_sample_t *out);

/* Wait up to `timeout` counter units (TT_WAIT_FOREVER allowed) for the next SAMPLE.
 * Flow control (window 1): the ACK for the previous sample is sent when this is called
 * again (the device is listening again and the previous input may be overwritten); bad
 * frames are NACKed; a repeated sample (its ACK was lost) is re-ACKed and skipped; on
 * timeout NACK(TIMEOUT) asks the host to send the expected sample (again).
 * Returns 1 with *out filled, 0 on timeout, -1 when the input ended (host board only). */
int tt_tm_recv_sample(tt_rx_t *rx, tt_sample_t *out, uint64_t timeout);
/* Send the ACK still owed for the last sample (call before tt_tm_done). */
void tt_tm_release(tt_rx_t *rx);

#ifdef __cplusplus
}
#endif
#endif
