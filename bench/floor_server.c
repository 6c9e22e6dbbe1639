// floor_server: the fastest a single-threaded libuv + llhttp server can answer a GetItem.
//
// It answers every request, whatever its method, target or body, with one fixed 200 response
// whose body is given on the command line, carrying the headers DynamoDB sends:
// Content-Type: application/x-amz-json-1.0, x-amzn-RequestId (a fresh 52-character [A-Z0-9] id
// per response), x-amz-crc32 (CRC-32 of the body, computed once), Date (reformatted when the
// second changes) and Content-Length. It does no JSON, no SigV4, no dispatch and no store lookup,
// so the gap between it and ddbx on the same load is what ddbx spends beyond the network and HTTP
// framing.
//
// Honest framing: every byte read is run through llhttp, one response is owed per request llhttp
// completes (keep-alive, pipelining across or within packets), responses go out in request
// order, one uv_write per read carrying every response that read completed. A request that is
// not keep-alive (HTTP/1.0 without keep-alive, `Connection: close`) gets `Connection: close`
// and the connection is closed once it is written; bytes after it are ignored. Malformed HTTP
// gets a 400 with `Connection: close` after the responses already owed. A peer that half-closes
// after its requests still gets their answers. When the client does not read and more than
// kMaxQueuedBytes of responses wait in libuv's write queue, reading pauses until it drains.
//
// Usage: floor_server PORT BODY [HOST]
//   PORT  TCP port to listen on (0: pick one; the bound port is printed on stdout)
//   BODY  a file whose exact bytes are the response body, or a byte count N: the body is then a
//         GetItem-shaped JSON document of exactly N bytes ({"Item":{"pk":...,"payload":...}})
//   HOST  IPv4 address to bind, default 127.0.0.1
// SIGINT or SIGTERM stops it. Threads: one, the default loop's.

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <llhttp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

enum {
  kReadBufferBytes = 64 * 1024,
  kRequestIdLen = 52,
  kDateLen = 29,  // "Sun, 06 Nov 1994 08:49:37 GMT"
  kMaxQueuedBytes = 4 * 1024 * 1024,
  kMaxBodyBytes = 16 * 1024 * 1024,
};

// The response, built once. Per response only the request id and Date bytes are rewritten.
static char* g_response;
static size_t g_response_len;
static size_t g_request_id_offset;
static size_t g_date_offset;
static size_t g_content_length_offset;
static char g_date[kDateLen + 1];
static time_t g_date_second = -1;  // the second g_date shows
static uint64_t g_rng_state;

static const char kBadRequest[] =
    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
static const char kConnectionClose[] = "Connection: close\r\n";

static llhttp_settings_t g_parser_settings;
static uv_loop_t* g_loop;

// One client connection. Freed in its close callback.
typedef struct {
  uv_tcp_t tcp;
  llhttp_t parser;
  int owed;         // requests completed by the current read, not yet answered
  int close_after;  // the last completed request was not keep-alive: answer it, then close
  int closing;      // uv_close() called or about to be; no more reads or writes
  int reading;      // uv_read_start() in effect
  int peer_done;    // the peer sent EOF: close once the writes in flight are out
  int writes_in_flight;
  char read_buffer[kReadBufferBytes];
} Conn;

// One uv_write and the bytes it carries, freed in the write callback.
typedef struct {
  uv_write_t req;
  Conn* conn;
  int close_when_done;
  char data[];
} WriteReq;

// --- the fixed response ------------------------------------------------------------------------

// CRC-32 as zlib computes it (reflected, polynomial 0xEDB88320, initial and final XOR ~0), bit by
// bit: it runs once at startup, so a table would buy nothing.
static uint32_t Crc32(const char* data, size_t len) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < len; ++i) {
    crc ^= (uint8_t)data[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// Refreshes g_date when the wall-clock second has changed (time() is a vDSO read).
static void RefreshDate(void) {
  time_t now = time(NULL);
  if (now == g_date_second) return;
  g_date_second = now;
  struct tm tm;
  gmtime_r(&now, &tm);
  // The C locale's names, which is what HTTP's IMF-fixdate wants (setlocale is never called).
  if (strftime(g_date, sizeof g_date, "%a, %d %b %Y %H:%M:%S GMT", &tm) != kDateLen) {
    fprintf(stderr, "floor_server: unexpected Date format\n");
    exit(1);
  }
}

// xorshift64*: a request id is not a secret, it only has to differ between responses.
static uint64_t NextRandom(void) {
  g_rng_state ^= g_rng_state >> 12;
  g_rng_state ^= g_rng_state << 25;
  g_rng_state ^= g_rng_state >> 27;
  return g_rng_state * 0x2545F4914F6CDD1DULL;
}

static void FillRequestId(char* out) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  uint64_t bits = 0;
  int left = 0;
  for (int i = 0; i < kRequestIdLen; ++i) {
    if (left == 0) {
      bits = NextRandom();
      left = 10;  // ten 6-bit draws per 64-bit word
    }
    out[i] = kAlphabet[(bits & 63) % 36];
    bits >>= 6;
    --left;
  }
}

// Copies one response into `out` with a fresh request id and the current Date.
static void EmitResponse(char* out) {
  memcpy(out, g_response, g_response_len);
  FillRequestId(out + g_request_id_offset);
  memcpy(out + g_date_offset, g_date, kDateLen);
}

static void BuildResponse(const char* body, size_t body_len) {
  char head[512];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 200 OK\r\n"
                   "Content-Type: application/x-amz-json-1.0\r\n"
                   "x-amzn-RequestId: %*s\r\n"
                   "x-amz-crc32: %" PRIu32
                   "\r\n"
                   "Date: %*s\r\n"
                   "Content-Length: %zu\r\n"
                   "\r\n",
                   kRequestIdLen, "", Crc32(body, body_len), kDateLen, "", body_len);
  if (n < 0 || (size_t)n >= sizeof head) {
    fprintf(stderr, "floor_server: response head too long\n");
    exit(1);
  }
  g_request_id_offset = (size_t)(strstr(head, "x-amzn-RequestId: ") - head) + 18;
  g_date_offset = (size_t)(strstr(head, "Date: ") - head) + 6;
  g_content_length_offset = (size_t)(strstr(head, "Content-Length: ") - head);
  g_response_len = (size_t)n + body_len;
  g_response = malloc(g_response_len);
  if (g_response == NULL) {
    fprintf(stderr, "floor_server: out of memory\n");
    exit(1);
  }
  memcpy(g_response, head, (size_t)n);
  memcpy(g_response + n, body, body_len);
}

// The body from the BODY argument: a file's bytes, or a GetItem-shaped document of N bytes.
// Exits with a message on error. The caller frees the result.
static char* LoadBody(const char* arg, size_t* len) {
  FILE* f = fopen(arg, "rb");
  if (f != NULL) {
    char* data = malloc(kMaxBodyBytes);
    if (data == NULL) {
      fprintf(stderr, "floor_server: out of memory\n");
      exit(1);
    }
    size_t n = fread(data, 1, kMaxBodyBytes, f);
    int failed = ferror(f) || (n == kMaxBodyBytes && fgetc(f) != EOF);
    fclose(f);
    if (failed) {
      fprintf(stderr, "floor_server: cannot read %s (or it exceeds %d bytes)\n", arg,
              kMaxBodyBytes);
      exit(1);
    }
    *len = n;
    return data;
  }
  size_t digits = strspn(arg, "0123456789");
  if (digits == 0 || arg[digits] != '\0') {
    fprintf(stderr, "floor_server: BODY '%s' is neither a readable file nor a byte count\n", arg);
    exit(1);
  }
  unsigned long long want = strtoull(arg, NULL, 10);
  static const char kPrefix[] = "{\"Item\":{\"pk\":{\"S\":\"item-1\"},\"payload\":{\"S\":\"";
  static const char kSuffix[] = "\"}}}";
  size_t fixed = sizeof kPrefix - 1 + sizeof kSuffix - 1;
  if (want < fixed || want > kMaxBodyBytes) {
    fprintf(stderr, "floor_server: a generated body must be %zu to %d bytes\n", fixed,
            kMaxBodyBytes);
    exit(1);
  }
  char* data = malloc(want);
  if (data == NULL) {
    fprintf(stderr, "floor_server: out of memory\n");
    exit(1);
  }
  size_t pad = (size_t)want - fixed;
  memcpy(data, kPrefix, sizeof kPrefix - 1);
  memset(data + sizeof kPrefix - 1, 'x', pad);
  memcpy(data + sizeof kPrefix - 1 + pad, kSuffix, sizeof kSuffix - 1);
  *len = (size_t)want;
  return data;
}

// --- connections -------------------------------------------------------------------------------

static void OnClose(uv_handle_t* handle) { free(handle->data); }

static void CloseConn(Conn* conn) {
  if (conn->closing) return;
  conn->closing = 1;
  uv_close((uv_handle_t*)&conn->tcp, OnClose);
}

static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);

static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) {
  (void)suggested;
  Conn* conn = handle->data;
  *buf = uv_buf_init(conn->read_buffer, sizeof conn->read_buffer);
}

static void OnWrite(uv_write_t* req, int status) {
  WriteReq* w = (WriteReq*)req;
  Conn* conn = w->conn;
  int close_when_done = w->close_when_done;
  free(w);
  --conn->writes_in_flight;
  if (conn->closing) return;  // uv_close() cancelled this write; OnClose frees the connection
  if (status < 0 || close_when_done || (conn->peer_done && conn->writes_in_flight == 0)) {
    CloseConn(conn);
    return;
  }
  if (!conn->reading && !conn->peer_done &&
      uv_stream_get_write_queue_size((uv_stream_t*)&conn->tcp) < kMaxQueuedBytes / 2) {
    if (uv_read_start((uv_stream_t*)&conn->tcp, OnAlloc, OnRead) == 0) {
      conn->reading = 1;
    } else {
      CloseConn(conn);
    }
  }
}

// Writes the responses owed for this read (plus a 400 when `bad_request`), then closes the
// connection after the write if the last request was not keep-alive or the input was bad.
static void Flush(Conn* conn, int bad_request) {
  int close_after = conn->close_after || bad_request;
  size_t len = (size_t)conn->owed * g_response_len;
  if (conn->close_after && conn->owed > 0) len += sizeof kConnectionClose - 1;
  if (bad_request) len += sizeof kBadRequest - 1;
  if (len == 0) return;
  WriteReq* w = malloc(sizeof *w + len);
  if (w == NULL) {
    CloseConn(conn);
    return;
  }
  w->conn = conn;
  w->close_when_done = close_after;
  char* p = w->data;
  RefreshDate();
  for (int i = 0; i < conn->owed; ++i) {
    EmitResponse(p);
    p += g_response_len;
  }
  if (conn->close_after && conn->owed > 0) {
    // The last response says it is the last: "Connection: close" goes after its Date line, in
    // front of its Content-Length line, so the blank line and body follow unchanged.
    char* content_length = p - g_response_len + g_content_length_offset;
    size_t tail = (size_t)(p - content_length);
    memmove(content_length + sizeof kConnectionClose - 1, content_length, tail);
    memcpy(content_length, kConnectionClose, sizeof kConnectionClose - 1);
    p += sizeof kConnectionClose - 1;
  }
  if (bad_request) {
    memcpy(p, kBadRequest, sizeof kBadRequest - 1);
    p += sizeof kBadRequest - 1;
  }
  conn->owed = 0;
  uv_buf_t buf = uv_buf_init(w->data, (unsigned int)len);
  if (uv_write(&w->req, (uv_stream_t*)&conn->tcp, &buf, 1, OnWrite) != 0) {
    free(w);
    CloseConn(conn);
    return;
  }
  ++conn->writes_in_flight;
  if (close_after) {
    // Nothing more is read; OnWrite closes once the answer is out.
    uv_read_stop((uv_stream_t*)&conn->tcp);
    conn->reading = 0;
  } else if (uv_stream_get_write_queue_size((uv_stream_t*)&conn->tcp) > kMaxQueuedBytes) {
    uv_read_stop((uv_stream_t*)&conn->tcp);
    conn->reading = 0;
  }
}

static int OnMessageComplete(llhttp_t* parser) {
  Conn* conn = parser->data;
  ++conn->owed;
  if (!llhttp_should_keep_alive(parser)) {
    conn->close_after = 1;
    return HPE_PAUSED;  // stop parsing: nothing after this request is answered
  }
  return HPE_OK;
}

static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  Conn* conn = stream->data;
  if (conn->closing) return;
  if (nread < 0) {
    // EOF after whole requests (a client that half-closes once it has sent them): answer what is
    // owed, then close. A request cut short by EOF gets no answer. On errors, close at once.
    if (nread == UV_EOF && conn->writes_in_flight > 0) {
      conn->peer_done = 1;
      uv_read_stop(stream);
      conn->reading = 0;
      return;
    }
    CloseConn(conn);
    return;
  }
  if (nread == 0) return;  // EAGAIN
  llhttp_errno_t err = llhttp_execute(&conn->parser, buf->base, (size_t)nread);
  int bad_request = 0;
  if (err == HPE_PAUSED && conn->close_after) {
    // a non-keep-alive request ended; anything after it is ignored
  } else if (err != HPE_OK) {
    bad_request = 1;  // malformed HTTP, or an Upgrade/CONNECT this server does not speak
  }
  Flush(conn, bad_request);
}

static void OnConnection(uv_stream_t* server, int status) {
  if (status < 0) {
    fprintf(stderr, "floor_server: accept: %s\n", uv_strerror(status));
    return;
  }
  Conn* conn = calloc(1, sizeof *conn);
  if (conn == NULL) return;  // the pending connection stays in the backlog until memory frees
  uv_tcp_init(g_loop, &conn->tcp);
  conn->tcp.data = conn;
  if (uv_accept(server, (uv_stream_t*)&conn->tcp) != 0) {
    CloseConn(conn);
    return;
  }
  uv_tcp_nodelay(&conn->tcp, 1);
  llhttp_init(&conn->parser, HTTP_REQUEST, &g_parser_settings);
  conn->parser.data = conn;
  if (uv_read_start((uv_stream_t*)&conn->tcp, OnAlloc, OnRead) != 0) {
    CloseConn(conn);
    return;
  }
  conn->reading = 1;
}

static void OnSignal(uv_signal_t* handle, int signum) {
  (void)signum;
  uv_stop(handle->loop);
}

// --- main --------------------------------------------------------------------------------------

static void Usage(void) {
  fprintf(stderr,
          "usage: floor_server PORT BODY [HOST]\n"
          "  BODY: a file holding the response body, or a byte count for a generated one\n");
  exit(2);
}

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) Usage();
  char* end = NULL;
  errno = 0;
  long port = strtol(argv[1], &end, 10);
  if (errno != 0 || *end != '\0' || end == argv[1] || port < 0 || port > 65535) Usage();
  const char* host = argc == 4 ? argv[3] : "127.0.0.1";

  size_t body_len = 0;
  char* body = LoadBody(argv[2], &body_len);
  BuildResponse(body, body_len);
  free(body);
  RefreshDate();
  g_rng_state = (uint64_t)time(NULL) ^ ((uint64_t)uv_os_getpid() << 32) ^ uv_hrtime();
  if (g_rng_state == 0) g_rng_state = 0x9E3779B97F4A7C15ULL;

  llhttp_settings_init(&g_parser_settings);
  g_parser_settings.on_message_complete = OnMessageComplete;

  g_loop = uv_default_loop();
  uv_tcp_t server;
  uv_tcp_init(g_loop, &server);
  struct sockaddr_in addr;
  int rc = uv_ip4_addr(host, (int)port, &addr);
  if (rc == 0) rc = uv_tcp_bind(&server, (const struct sockaddr*)&addr, 0);
  if (rc == 0) rc = uv_listen((uv_stream_t*)&server, 1024, OnConnection);
  if (rc != 0) {
    fprintf(stderr, "floor_server: cannot listen on %s:%ld: %s\n", host, port, uv_strerror(rc));
    return 1;
  }
  struct sockaddr_storage bound;
  int bound_len = sizeof bound;
  uv_tcp_getsockname(&server, (struct sockaddr*)&bound, &bound_len);
  printf("floor_server listening on %s:%d, %zu-byte body, %zu-byte response\n", host,
         ntohs(((struct sockaddr_in*)&bound)->sin_port), body_len, g_response_len);
  fflush(stdout);

  uv_signal_t sigint, sigterm;
  uv_signal_init(g_loop, &sigint);
  uv_signal_start(&sigint, OnSignal, SIGINT);
  uv_signal_init(g_loop, &sigterm);
  uv_signal_start(&sigterm, OnSignal, SIGTERM);

  uv_run(g_loop, UV_RUN_DEFAULT);
  free(g_response);
  return 0;
}
