/* COM1 (16550 at 0x3F8), polled, plus the small printf the output lines are built with. */
#include "guest.h"

#define COM1 0x3F8
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

static bool uart_absent;

void serial_init(void)
{
    /* FCR is left alone: toggling FIFO enable clears the receive FIFO and would drop input
       a test may already have queued for `echo`. */
    outb(COM1 + 1, 0x00);          /* no interrupts */
    outb(COM1 + 3, 0x80);          /* DLAB */
    outb(COM1 + 0, 0x01);          /* 115200 */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);          /* 8N1 */
    outb(COM1 + 4, 0x03);          /* DTR, RTS */
    uart_absent = inb(COM1 + 5) == 0xFF;
}

void serial_putc(char c)
{
    if (!uart_absent)
        for (int i = 0; i < 100000 && !(inb(COM1 + 5) & LSR_THR_EMPTY); i++)
            cpu_relax();
    outb(COM1, (u8)c);
}

bool serial_getc(char *c)
{
    if (uart_absent || !(inb(COM1 + 5) & LSR_DATA_READY))
        return false;
    *c = (char)inb(COM1);
    return true;
}

/*
 * Waits for COM1 input without polling: the UART's receive interrupt on, routed by the I/O
 * APIC (ISA IRQ 4 = GSI 4) to this CPU's local APIC at vector 0x24 (irq.c), and the CPU
 * halted until it comes. Polling the line status would cost an exit per read and keep a host
 * CPU busy for an idle guest. Returns at once when input is already there; interrupts are off
 * again on return.
 */
void serial_wait_input(void)
{
    static bool ready;
    extern void irq_wake_stub(void);
    if (uart_absent)
        return;
    if (!ready) {
        irq_route_isa(4, 0x24, irq_wake_stub);
        outb(COM1 + 4, inb(COM1 + 4) | 0x08); /* OUT2: the PC's gate for the UART's interrupt */
        outb(COM1 + 1, 0x01);               /* interrupt when received data is available */
        ready = true;
    }
    __asm__ volatile("cli" ::: "memory");
    if (!(inb(COM1 + 5) & LSR_DATA_READY))
        __asm__ volatile("sti; hlt; cli" ::: "memory");   /* STI's shadow: no wake-up is lost */
}

struct sink { char *buf; int size, len; };

static void put(struct sink *s, char c)
{
    if (s->len + 1 < s->size)
        s->buf[s->len] = c;
    s->len++;
}

static void put_num(struct sink *s, u64 v, int base, int width, bool zero, bool neg)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (neg)
        tmp[n++] = '-';
    for (int i = n; i < width; i++)
        put(s, zero ? '0' : ' ');
    while (n)
        put(s, tmp[--n]);
}

/* Supports %s %c %d %u %x %p with optional zero padding, width and l/ll; enough for our lines. */
int vformat(char *buf, int size, const char *fmt, __builtin_va_list ap)
{
    struct sink s = { buf, size, 0 };
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&s, *fmt);
            continue;
        }
        fmt++;
        bool zero = false;
        int width = 0, longs = 0;
        if (*fmt == '0')
            zero = true, fmt++;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l')
            longs++, fmt++;
        switch (*fmt) {
        case 's': {
            const char *str = __builtin_va_arg(ap, const char *);
            int n = 0;
            for (; str && *str; str++, n++)
                put(&s, *str);
            for (; n < width; n++)
                put(&s, ' ');
            break;
        }
        case 'c':
            put(&s, (char)__builtin_va_arg(ap, int));
            break;
        case 'd': {
            i64 v = longs ? __builtin_va_arg(ap, i64) : __builtin_va_arg(ap, int);
            put_num(&s, v < 0 ? (u64)-v : (u64)v, 10, width, zero, v < 0);
            break;
        }
        case 'u':
        case 'x': {
            u64 v = longs ? __builtin_va_arg(ap, u64) : __builtin_va_arg(ap, u32);
            put_num(&s, v, *fmt == 'x' ? 16 : 10, width, zero, false);
            break;
        }
        case 'p':
            put(&s, '0');
            put(&s, 'x');
            put_num(&s, (u64)__builtin_va_arg(ap, void *), 16, width, zero, false);
            break;
        case '%':
            put(&s, '%');
            break;
        default:
            put(&s, '%');
            put(&s, *fmt);
            break;
        }
    }
    if (size > 0)
        buf[s.len < size ? s.len : size - 1] = 0;
    return s.len;
}

int format(char *buf, int size, const char *fmt, ...)
{
    __builtin_va_list ap;
    __builtin_va_start(ap, fmt);
    int n = vformat(buf, size, fmt, ap);
    __builtin_va_end(ap);
    return n;
}

void serial_puts(const char *s)
{
    for (; *s; s++)
        serial_putc(*s);
}

static void vsay(const char *prefix, const char *fmt, __builtin_va_list ap)
{
    char line[520];
    int n = 0;
    for (const char *p = prefix; *p; p++)
        line[n++] = *p;
    vformat(line + n, sizeof line - n - 1, fmt, ap);
    /* User mode prints through the kernel: port I/O at CPL 3 may trap (see idt.c). */
    if (cpl()) {
        n = strlen(line);
        line[n] = '\n';
        line[n + 1] = 0;
        syscall1(SYS_PUTS, (u64)line);
        return;
    }
    serial_puts(line);
    serial_putc('\n');
}

void say(const char *fmt, ...)
{
    __builtin_va_list ap;
    __builtin_va_start(ap, fmt);
    vsay("", fmt, ap);
    __builtin_va_end(ap);
}

void fail(const char *fmt, ...)
{
    __builtin_va_list ap;
    __builtin_va_start(ap, fmt);
    vsay("FAIL: ", fmt, ap);
    __builtin_va_end(ap);
    power_off();
}
