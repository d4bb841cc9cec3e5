/*
 * sha256 — the SHA-256 hash (FIPS 180-4), fed in pieces as data streams by.
 *
 * An image names each layer by the SHA-256 of its uncompressed tar stream
 * (the "diff id"): the unpacker hashes every byte as it reads it, so the
 * check costs no second pass over a file that may be gigabytes long.
 *
 *     struct sha256 s;
 *     sha256_init(&s);
 *     sha256_update(&s, buf, n);          as often as data comes
 *     sha256_final(&s, digest);           32 bytes
 *     sha256_hex(digest, hex);            64 hex digits and a NUL
 *
 * Nothing here can fail.
 */
#ifndef STEPBOX_SHA256_H
#define STEPBOX_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE    (2 * SHA256_DIGEST_SIZE + 1)

struct sha256 {
	uint32_t state[8];        /* the running hash value H0..H7 */
	uint64_t length;          /* bytes hashed so far */
	unsigned char block[64];  /* a block not yet full */
	size_t used;              /* bytes in block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t size);
void sha256_final(struct sha256 *s, unsigned char digest[SHA256_DIGEST_SIZE]);
void sha256_hex(const unsigned char digest[SHA256_DIGEST_SIZE], char hex[SHA256_HEX_SIZE]);

#endif
