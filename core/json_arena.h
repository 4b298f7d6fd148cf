/* core/json_arena.h — jansson values of a file being read, from one region
 * (json_arena.c says why and what it costs). */
#ifndef CUTOVER_JSON_ARENA_H
#define CUTOVER_JSON_ARENA_H

/* Between begin and end, jansson values made on this thread come from the
 * region; they are never freed one by one. Use it only for values kept to
 * the end of the command (a plan, a template), never for what is read again
 * and again (journals, server answers). Calls nest. No effect in sanitizer
 * builds. */
void json_arena_begin(void);
void json_arena_end(void);

#endif
