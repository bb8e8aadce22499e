/* The NIC interface the network modes use and its two drivers (e1000.c, vnet.c). */
#ifndef NET_H
#define NET_H
#include "guest.h"

struct nic;
struct nic_ops {
    const char *name;                          /* "e1000", "virtio-net": prefix of its lines */
    bool (*probe)(void);                       /* is this NIC on bus 0? */
    void (*init)(struct nic *n);
    int (*recv)(struct nic *n, u8 **frame);    /* length, -1 nothing, -2 frame with errors */
    void (*recv_done)(struct nic *n);          /* after each recv that did not return -1 */
    u8 *(*tx_buf)(struct nic *n);              /* NULL while the ring is full */
    void (*send)(struct nic *n, u32 len);
    void (*flush)(struct nic *n);              /* tells the device about queued frames */
};
struct nic { u8 mac[6]; const struct nic_ops *ops; };

extern const struct nic_ops e1000_ops, vnet_ops;

static inline void nic_init(struct nic *n) { n->ops->init(n); }
static inline int nic_recv(struct nic *n, u8 **f) { return n->ops->recv(n, f); }
static inline void nic_recv_done(struct nic *n) { n->ops->recv_done(n); }
static inline u8 *nic_tx_buf(struct nic *n) { return n->ops->tx_buf(n); }
static inline void nic_send(struct nic *n, u32 len) { n->ops->send(n, len); }
static inline void nic_flush(struct nic *n) { n->ops->flush(n); }
#endif
