/* A small JSON tokenizer for reading golden.json in the tests (host and Cortex-M): tokens point
 * into the text, nothing is allocated. Enough JSON for what `hm2bp golden` writes: objects,
 * arrays, strings with escapes, numbers, true/false/null. */
#ifndef HB_TEST_JSON_H
#define HB_TEST_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef enum { JSON_OBJECT, JSON_ARRAY, JSON_STRING, JSON_PRIMITIVE } json_type;

typedef struct json_token {
    json_type type;
    uint32_t start, end;   /* text range (strings without the quotes) */
    uint32_t size;         /* objects: keys; arrays: elements */
    uint32_t next;         /* index of the token after this one's whole subtree */
} json_token;

/* Returns the number of tokens, or -1 for malformed text or more than `capacity` tokens. */
int json_parse(const char *text, size_t length, json_token *tokens, uint32_t capacity);
/* The value token of `key` in the object at `object`, or -1. */
int json_get(const char *text, const json_token *tokens, int object, const char *key);
/* Element `index` of the array at `array`, or -1. */
int json_at(const json_token *tokens, int array, uint32_t index);
/* An integer primitive (no fraction or exponent) into *value; 0 when it is not one. */
int json_int(const char *text, const json_token *token, int64_t *value);
/* A string with its escapes resolved (only \" \\ \/ \n \t \b \f \r), 0 when it does not fit. */
int json_string(const char *text, const json_token *token, char *out, size_t capacity);

#endif
