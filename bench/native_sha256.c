/* Native yardstick for bench/solver_hashrate.py: the proof-of-work search on one core
 * with OpenSSL's libcrypto, on the same input as the browser solver.
 *
 * SHA-256(seed || nonce as 8 bytes big-endian), seed = 64 ASCII bytes: the seed block is
 * hashed once (the midstate); per nonce the context is copied, updated with the 8 nonce
 * bytes and finalised, so each nonce costs one compression, like the browser's kernel.
 * OpenSSL picks its fastest SHA-256 for the CPU (SHA-NI where present); run with
 * OPENSSL_ia32cap=":~0x20000000" to mask SHA-NI and get its software (SIMD) path.
 *
 *   gcc -O2 -o native_sha256 bench/native_sha256.c -lcrypto
 *   ./native_sha256 SEED SECONDS [sha|evp]
 *
 * Prints one line: "<nonces per wall second> <nonces per CPU second> <nonces>
 * <first nonce with >= 16 leading zero bits>". The last figure lets the caller check that
 * this hashes exactly what the puzzle hashes.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1 /* SHA256_Init & co.: deprecated in 3.0, still the
                                         leanest midstate copy OpenSSL offers */
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK 65536 /* nonces between clock reads */

static double seconds_of(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void encode(uint64_t nonce, unsigned char out[8]) {
  for (int i = 7; i >= 0; i--, nonce >>= 8) out[i] = (unsigned char)(nonce & 0xff);
}

static int zero_bits_at_least_16(const unsigned char *digest) {
  return digest[0] == 0 && digest[1] == 0;
}

/* Low-level API: the midstate is a plain struct, copied by assignment. */
static uint64_t run_sha(const unsigned char *seed, uint64_t start, uint64_t count,
                        uint64_t *first) {
  SHA256_CTX mid, ctx;
  unsigned char bytes[8], digest[SHA256_DIGEST_LENGTH];
  SHA256_Init(&mid);
  SHA256_Update(&mid, seed, 64);
  for (uint64_t nonce = start; nonce < start + count; nonce++) {
    ctx = mid;
    encode(nonce, bytes);
    SHA256_Update(&ctx, bytes, 8);
    SHA256_Final(digest, &ctx);
    if (*first == UINT64_MAX && zero_bits_at_least_16(digest)) *first = nonce;
  }
  return count;
}

/* EVP API: what new code is told to use; copying a context costs a little more. */
static uint64_t run_evp(const unsigned char *seed, uint64_t start, uint64_t count,
                        uint64_t *first) {
  static EVP_MD_CTX *mid, *ctx;
  unsigned char bytes[8], digest[EVP_MAX_MD_SIZE];
  if (mid == NULL) {
    mid = EVP_MD_CTX_new();
    ctx = EVP_MD_CTX_new();
    if (!mid || !ctx || !EVP_DigestInit_ex(mid, EVP_sha256(), NULL) ||
        !EVP_DigestUpdate(mid, seed, 64)) {
      fprintf(stderr, "EVP setup failed\n");
      exit(2);
    }
  }
  for (uint64_t nonce = start; nonce < start + count; nonce++) {
    EVP_MD_CTX_copy_ex(ctx, mid);
    encode(nonce, bytes);
    EVP_DigestUpdate(ctx, bytes, 8);
    EVP_DigestFinal_ex(ctx, digest, NULL);
    if (*first == UINT64_MAX && zero_bits_at_least_16(digest)) *first = nonce;
  }
  return count;
}

int main(int argc, char **argv) {
  if (argc < 3 || strlen(argv[1]) != 64) {
    fprintf(stderr, "usage: %s SEED(64 chars) SECONDS [sha|evp]\n", argv[0]);
    return 2;
  }
  const unsigned char *seed = (const unsigned char *)argv[1];
  double seconds = atof(argv[2]);
  int evp = argc > 3 && strcmp(argv[3], "evp") == 0;
  uint64_t (*run)(const unsigned char *, uint64_t, uint64_t, uint64_t *) =
      evp ? run_evp : run_sha;

  uint64_t first = UINT64_MAX, nonces = 0;
  run(seed, 0, CHUNK, &first); /* warm-up: caches, frequency */
  double started = seconds_of(CLOCK_MONOTONIC), elapsed;
  double cpu_started = seconds_of(CLOCK_PROCESS_CPUTIME_ID);
  do {
    nonces += run(seed, nonces, CHUNK, &first);
    elapsed = seconds_of(CLOCK_MONOTONIC) - started;
  } while (elapsed < seconds);
  double rate = (double)nonces / elapsed;
  double cpu_rate = (double)nonces / (seconds_of(CLOCK_PROCESS_CPUTIME_ID) - cpu_started);
  /* Timed nonces start at 0, so `first` is the smallest qualifying nonce if one was
   * reached; finish the search if not (at 2^-16 per try it is reached quickly). */
  for (uint64_t next = nonces; first == UINT64_MAX; next += CHUNK) {
    run(seed, next, CHUNK, &first);
  }
  printf("%.0f %.0f %llu %llu\n", rate, cpu_rate, (unsigned long long)nonces,
         (unsigned long long)first);
  return 0;
}
