/* TinyTrain telemetry, device side. See tt_telemetry.h and docs/telemetry.md. */
#include "tt_telemetry.h"
#include "../boards/tt_board.h"
#include <string.h>

static uint8_t tt_tx_seq;

uint16_t tt_crc16_ccitt(uint16_t crc, const void *data, size_t n) {
  const uint8_t *p = (const uint8_t *)data;
  while (n--) {
    crc ^= (uint16_t)((uint16_t)*p++ << 8);
    for (int i = 0; i < 8; i++) crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
  }
  return crc;
}

/* One frame whose payload is `a` then `b` (either may be empty): a header and a block of data
 * go out without being copied into one buffer first (TRAINED frames: no chunk buffer on the stack). */
static void tt_tm_send_parts(uint8_t type, const void *a, size_t alen, const void *b, size_t blen) {
  if (alen > TT_TM_MAX_PAYLOAD) alen = TT_TM_MAX_PAYLOAD;
  if (blen > TT_TM_MAX_PAYLOAD - alen) blen = TT_TM_MAX_PAYLOAD - alen;
  size_t len = alen + blen;
  uint8_t head[TT_TM_HEADER_BYTES] = {TT_TM_SYNC0, TT_TM_SYNC1, type, tt_tx_seq++, (uint8_t)(len & 0xFFu), (uint8_t)(len >> 8)};
  uint16_t crc = tt_crc16_ccitt(0xFFFFu, head + 2, 4);
  crc = tt_crc16_ccitt(crc, a, alen);
  crc = tt_crc16_ccitt(crc, b, blen);
  uint8_t tail[2] = {(uint8_t)(crc & 0xFFu), (uint8_t)(crc >> 8)};
  tt_uart_write(head, sizeof head);
  if (alen) tt_uart_write(a, alen);
  if (blen) tt_uart_write(b, blen);
  tt_uart_write(tail, sizeof tail);
}

void tt_tm_send(uint8_t type, const void *payload, size_t len) {
  tt_tm_send_parts(type, payload, len, 0, 0);
}

void tt_tm_print(const char *text) {
  tt_uart_write(text, strlen(text));
}

static uint8_t *put_u16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); return p + 2; }
static uint8_t *put_u32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); return p + 4; }
static uint8_t *put_u64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); return p + 8; }
static uint8_t *put_f32(uint8_t *p, float f) { uint32_t v; memcpy(&v, &f, 4); return put_u32(p, v); }

void tt_tm_hello(uint32_t model_hash, uint32_t arena_bytes, uint16_t max_sample_payload) {
  uint8_t b[16 + 32], *p = b;
  const char *name = tt_board_name();
  size_t n = strlen(name);
  if (n > 32) n = 32;
  *p++ = TT_TM_VERSION;
  *p++ = 1; /* window */
  p = put_u16(p, max_sample_payload);
  p = put_u32(p, model_hash);
  p = put_u32(p, arena_bytes);
  p = put_u32(p, tt_counter_hz());
  memcpy(p, name, n);
  p += n;
  tt_tm_send(TT_TM_HELLO, b, (size_t)(p - b));
}

void tt_tm_step(uint32_t step, float loss, uint8_t predicted, uint8_t label, uint64_t counter) {
  uint8_t b[20], *p = b;
  p = put_u32(p, step);
  p = put_f32(p, loss);
  *p++ = predicted;
  *p++ = label;
  p = put_u16(p, 0);
  p = put_u64(p, counter);
  tt_tm_send(TT_TM_STEP, b, (size_t)(p - b));
}

void tt_tm_eval(uint32_t step, uint32_t correct, uint32_t total, float loss) {
  uint8_t b[16], *p = b;
  p = put_u32(p, step);
  p = put_u32(p, correct);
  p = put_u32(p, total);
  p = put_f32(p, loss);
  tt_tm_send(TT_TM_EVAL, b, (size_t)(p - b));
}

void tt_tm_prediction(uint8_t predicted, uint8_t label) {
  uint8_t b[2];
  b[0] = predicted;
  b[1] = label;
  tt_tm_send(TT_TM_PREDICTION, b, 2);
}

void tt_tm_log(uint8_t level, const char *text) {
  uint8_t b[1 + 200];
  size_t n = strlen(text);
  if (n > 200) n = 200;
  b[0] = level;
  memcpy(b + 1, text, n);
  tt_tm_send(TT_TM_LOG, b, n + 1);
}

void tt_tm_ack(uint8_t seq, uint8_t credits) {
  uint8_t b[2] = {seq, credits};
  tt_tm_send(TT_TM_ACK, b, 2);
}

void tt_tm_nack(uint8_t seq, uint8_t reason) {
  uint8_t b[2] = {seq, reason};
  tt_tm_send(TT_TM_NACK, b, 2);
}

void tt_tm_profile(uint32_t steps, uint16_t ops, const uint64_t *counts) {
  uint8_t b[8 + 8 * TT_TM_PROFILE_CHUNK];
  uint16_t first = 0;
  do {
    uint16_t left = (uint16_t)(ops - first), n = (uint16_t)(left < TT_TM_PROFILE_CHUNK ? left : TT_TM_PROFILE_CHUNK);
    uint8_t *p = put_u16(put_u16(put_u32(b, steps), ops), first);
    for (uint16_t i = 0; i < n; i++) p = put_u64(p, counts[first + i]);
    tt_tm_send(TT_TM_PROFILE, b, (size_t)(p - b));
    first = (uint16_t)(first + n);
  } while (first < ops);
}

void tt_tm_trained(uint16_t index, uint16_t count, int16_t conv, uint8_t kind, uint32_t bytes, const void *data) {
  const uint8_t *src = (const uint8_t *)data;
  uint32_t offset = 0;
  do { /* a tensor of 0 bytes still sends its one (empty) frame */
    uint32_t left = bytes - offset, n = left < TT_TM_TRAINED_CHUNK ? left : TT_TM_TRAINED_CHUNK;
    uint8_t h[16];
    uint8_t *p = put_u16(put_u16(put_u16(h, index), count), (uint16_t)conv);
    *p++ = kind;
    *p++ = 0;
    put_u32(put_u32(p, bytes), offset);
    tt_tm_send_parts(TT_TM_TRAINED, h, sizeof h, n ? src + offset : 0, n);
    offset += n;
  } while (offset < bytes);
}

void tt_tm_done(uint8_t status, uint32_t steps, uint64_t total_counter) {
  uint8_t b[24], *p = b;
  *p++ = status;
  *p++ = 0; *p++ = 0; *p++ = 0;
  p = put_u32(p, steps);
  p = put_u32(p, (uint32_t)tt_stack_high_water());
  p = put_u32(p, (uint32_t)tt_stack_size());
  p = put_u64(p, total_counter);
  tt_tm_send(TT_TM_DONE, b, (size_t)(p - b));
}

/* ---- receive ---- */
enum { RX_SYNC0, RX_SYNC1, RX_HDR, RX_PAYLOAD, RX_CRC0, RX_CRC1, RX_SKIP };

void tt_rx_init(tt_rx_t *rx, uint8_t *buf, uint16_t cap) {
  memset(rx, 0, sizeof *rx);
  rx->buf = buf;
  rx->cap = cap;
  rx->state = RX_SYNC0;
}

int tt_rx_feed(tt_rx_t *rx, uint8_t byte) {
  switch (rx->state) {
  case RX_SYNC0:
    if (byte == TT_TM_SYNC0) rx->state = RX_SYNC1;
    return TT_RX_NONE;
  case RX_SYNC1:
    if (byte == TT_TM_SYNC1) { rx->state = RX_HDR; rx->pos = 0; }
    else if (byte != TT_TM_SYNC0) rx->state = RX_SYNC0;
    return TT_RX_NONE;
  case RX_HDR:
    rx->hdr[rx->pos++] = byte;
    if (rx->pos == 4) {
      rx->len = (uint16_t)(rx->hdr[2] | (rx->hdr[3] << 8));
      rx->crc = tt_crc16_ccitt(0xFFFFu, rx->hdr, 4);
      rx->pos = 0;
      if (rx->len > TT_TM_MAX_PAYLOAD) { rx->bad_frames++; rx->seq = rx->hdr[1]; rx->state = RX_SYNC0; return TT_RX_BAD; }
      rx->state = rx->len ? (rx->len > rx->cap ? RX_SKIP : RX_PAYLOAD) : RX_CRC0;
    }
    return TT_RX_NONE;
  case RX_SKIP: /* too long for our buffer: consume it (with its CRC), then report */
    if (++rx->pos == (uint32_t)rx->len + 2u) {
      rx->bad_frames++; rx->seq = rx->hdr[1]; rx->state = RX_SYNC0; return TT_RX_BAD;
    }
    return TT_RX_NONE;
  case RX_PAYLOAD:
    rx->buf[rx->pos++] = byte;
    if (rx->pos == rx->len) rx->state = RX_CRC0;
    return TT_RX_NONE;
  case RX_CRC0:
    rx->crc_lo = byte;
    rx->state = RX_CRC1;
    return TT_RX_NONE;
  case RX_CRC1: {
    uint16_t got = (uint16_t)(rx->crc_lo | (byte << 8));
    uint16_t want = tt_crc16_ccitt(rx->crc, rx->buf, rx->len);
    rx->state = RX_SYNC0;
    rx->seq = rx->hdr[1];
    if (got != want) { rx->bad_frames++; return TT_RX_BAD; }
    rx->type = rx->hdr[0];
    rx->frames++;
    return TT_RX_FRAME;
  }
  default:
    rx->state = RX_SYNC0;
    return TT_RX_NONE;
  }
}

int tt_decode_sample(const uint8_t *payload, uint16_t len, tt_sample_t *out) {
  if (len < 2) return TT_NACK_BAD_PAYLOAD;
  out->label = payload[0];
  out->flags = payload[1];
  out->n = (uint16_t)(len - 2);
  out->input = (const int8_t *)(payload + 2);
  return 0;
}

void tt_tm_release(tt_rx_t *rx) {
  if (rx->ack_pending) {
    tt_tm_ack(rx->ack_seq, 1);
    rx->ack_pending = 0;
  }
}

int tt_tm_recv_sample(tt_rx_t *rx, tt_sample_t *out, uint64_t timeout) {
  tt_tm_release(rx);
  uint64_t start = tt_counter();
  for (;;) {
    uint8_t byte;
    uint64_t left = timeout;
    if (timeout != TT_WAIT_FOREVER && timeout != 0) {
      uint64_t spent = tt_counter() - start;
      if (spent >= timeout) left = 0; else left = timeout - spent;
      if (left == 0) { tt_tm_nack(rx->expect_seq, TT_NACK_TIMEOUT); return 0; }
    }
    int got = tt_uart_read(&byte, left);
    if (got < 0) return -1;
    if (got == 0) { if (timeout != 0) tt_tm_nack(rx->expect_seq, TT_NACK_TIMEOUT); return 0; }
    int r = tt_rx_feed(rx, byte);
    if (r == TT_RX_BAD) {
      tt_tm_nack(rx->seq, rx->len > rx->cap ? TT_NACK_TOO_LONG : TT_NACK_CRC);
      continue;
    }
    if (r != TT_RX_FRAME) continue;
    if (rx->type != TT_TM_SAMPLE) { tt_tm_nack(rx->seq, TT_NACK_UNEXPECTED); continue; }
    if (rx->started && rx->seq == (uint8_t)(rx->expect_seq - 1u)) {
      tt_tm_ack(rx->seq, 1); /* a resend of a sample already taken: its ACK was lost */
      continue;
    }
    int bad = tt_decode_sample(rx->buf, rx->len, out);
    if (bad) { tt_tm_nack(rx->seq, (uint8_t)bad); continue; }
    rx->started = 1;
    rx->expect_seq = (uint8_t)(rx->seq + 1u);
    rx->ack_pending = 1;
    rx->ack_seq = rx->seq;
    return 1;
  }
}
