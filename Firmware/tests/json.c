#include "json.h"

#include <string.h>

typedef struct parser {
    const char *text;
    size_t length, at;
    json_token *tokens;
    uint32_t capacity, count;
} parser;

static void skip_space(parser *p) {
    while (p->at < p->length && (p->text[p->at] == ' ' || p->text[p->at] == '\n' || p->text[p->at] == '\r' || p->text[p->at] == '\t')) p->at++;
}

static int value(parser *p, int depth);

static int new_token(parser *p, json_type type) {
    if (p->count >= p->capacity) return -1;
    json_token *t = &p->tokens[p->count];
    t->type = type;
    t->start = (uint32_t)p->at;
    t->size = 0;
    return (int)p->count++;
}

static int string_token(parser *p) {
    p->at++; /* opening quote */
    int index = new_token(p, JSON_STRING);
    if (index < 0) return -1;
    while (p->at < p->length && p->text[p->at] != '"') {
        if (p->text[p->at] == '\\') p->at++;
        p->at++;
    }
    if (p->at >= p->length) return -1;
    p->tokens[index].end = (uint32_t)p->at;
    p->at++;
    p->tokens[index].next = p->count;
    return index;
}

static int value(parser *p, int depth) {
    if (depth > 32) return -1;
    skip_space(p);
    if (p->at >= p->length) return -1;
    char c = p->text[p->at];
    if (c == '"') return string_token(p);
    if (c == '{' || c == '[') {
        int index = new_token(p, c == '{' ? JSON_OBJECT : JSON_ARRAY);
        if (index < 0) return -1;
        char close = c == '{' ? '}' : ']';
        p->at++;
        skip_space(p);
        if (p->at < p->length && p->text[p->at] == close) {
            p->at++;
        } else {
            for (;;) {
                if (c == '{') {
                    skip_space(p);
                    if (p->at >= p->length || p->text[p->at] != '"' || string_token(p) < 0) return -1;
                    skip_space(p);
                    if (p->at >= p->length || p->text[p->at] != ':') return -1;
                    p->at++;
                }
                if (value(p, depth + 1) < 0) return -1;
                p->tokens[index].size++;
                skip_space(p);
                if (p->at >= p->length) return -1;
                if (p->text[p->at] == ',') { p->at++; continue; }
                if (p->text[p->at] == close) { p->at++; break; }
                return -1;
            }
        }
        p->tokens[index].end = (uint32_t)p->at;
        p->tokens[index].next = p->count;
        return index;
    }
    int index = new_token(p, JSON_PRIMITIVE);
    if (index < 0) return -1;
    while (p->at < p->length && strchr(",]} \n\r\t", p->text[p->at]) == NULL) p->at++;
    p->tokens[index].end = (uint32_t)p->at;
    p->tokens[index].next = p->count;
    return p->tokens[index].end > p->tokens[index].start ? index : -1;
}

int json_parse(const char *text, size_t length, json_token *tokens, uint32_t capacity) {
    parser p = {text, length, 0, tokens, capacity, 0};
    if (value(&p, 0) < 0) return -1;
    skip_space(&p);
    return p.at == length ? (int)p.count : -1;
}

int json_get(const char *text, const json_token *tokens, int object, const char *key) {
    if (object < 0 || tokens[object].type != JSON_OBJECT) return -1;
    size_t n = strlen(key);
    int k = object + 1;
    for (uint32_t i = 0; i < tokens[object].size; i++) {
        const json_token *name = &tokens[k];
        int v = k + 1;
        if (name->end - name->start == n && memcmp(text + name->start, key, n) == 0) return v;
        k = (int)tokens[v].next;
    }
    return -1;
}

int json_at(const json_token *tokens, int array, uint32_t index) {
    if (array < 0 || tokens[array].type != JSON_ARRAY || index >= tokens[array].size) return -1;
    int k = array + 1;
    for (uint32_t i = 0; i < index; i++) k = (int)tokens[k].next;
    return k;
}

int json_int(const char *text, const json_token *token, int64_t *value) {
    if (token->type != JSON_PRIMITIVE) return 0;
    uint32_t i = token->start;
    int negative = text[i] == '-';
    if (negative) i++;
    if (i >= token->end) return 0;
    int64_t v = 0;
    for (; i < token->end; i++) {
        if (text[i] < '0' || text[i] > '9' || v > (INT64_MAX - 9) / 10) return 0;
        v = v * 10 + (text[i] - '0');
    }
    *value = negative ? -v : v;
    return 1;
}

int json_string(const char *text, const json_token *token, char *out, size_t capacity) {
    if (token->type != JSON_STRING) return 0;
    size_t n = 0;
    for (uint32_t i = token->start; i < token->end; i++) {
        char c = text[i];
        if (c == '\\') {
            c = text[++i];
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'b' ? '\b' : c == 'f' ? '\f' : c == 'r' ? '\r' : c;
        }
        if (n + 1 >= capacity) return 0;
        out[n++] = c;
    }
    out[n] = 0;
    return 1;
}
