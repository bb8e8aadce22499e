/* The NIC interface the network modes use (e1000.c implements it) and their helpers. */
#ifndef NET_H
#define NET_H
#include "guest.h"

struct nic { u8 mac[6]; };

void nic_init(struct nic *n);
int nic_recv(struct nic *n, u8 **frame);   /* length, -1 nothing, -2 frame with errors */
void nic_recv_done(struct nic *n);         /* after each nic_recv that did not return -1 */
u8 *nic_tx_buf(struct nic *n);             /* NULL while the ring is full */
void nic_send(struct nic *n, u32 len);
void nic_flush(struct nic *n);             /* tells the device about queued frames */
#endif
