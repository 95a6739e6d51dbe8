/* list.h - intrusive doubly linked lists: a struct list_link inside each
 * element, a struct list (first, last, length) where they are kept.
 * fcgi-lisp, MIT licence. */
#ifndef FCGI_LISP_LIST_H
#define FCGI_LISP_LIST_H

#include <stddef.h>

struct list_link {
    struct list_link *prev, *next; /* borrowed: neighbours, NULL at the ends */
};

struct list {
    struct list_link *first, *last; /* borrowed: the elements own themselves */
    size_t len;
};

/* The element that holds link, of type `type` with the link in `field`. */
#define LIST_ENTRY(link, type, field) ((type *)((char *)(link) - offsetof(type, field)))

/* The first element of l, and the one after e, as `type` (NULL at the end). */
#define LIST_FIRST(l, type, field) ((l)->first ? LIST_ENTRY((l)->first, type, field) : NULL)
#define LIST_NEXT(e, type, field) \
    ((e)->field.next ? LIST_ENTRY((e)->field.next, type, field) : NULL)

/* Links n into l between prev and next (NULL: an end of l). */
static inline void list_insert(struct list *l, struct list_link *n, struct list_link *prev,
                               struct list_link *next)
{
    n->prev = prev;
    n->next = next;
    if (prev)
        prev->next = n;
    else
        l->first = n;
    if (next)
        next->prev = n;
    else
        l->last = n;
    l->len++;
}

static inline void list_push_front(struct list *l, struct list_link *n)
{
    list_insert(l, n, NULL, l->first);
}

static inline void list_push_back(struct list *l, struct list_link *n)
{
    list_insert(l, n, l->last, NULL);
}

/* Takes n, which is on l, off it. */
static inline void list_remove(struct list *l, struct list_link *n)
{
    if (n->prev)
        n->prev->next = n->next;
    else
        l->first = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        l->last = n->prev;
    n->prev = n->next = NULL;
    l->len--;
}

#endif
