-- name: irq
-- description: Interrupts like crash's irq and /proc/interrupts: chip, hardware irq, handler and count per line
-- requires: irqs
SELECT irq,
       chip,
       hwirq,
       trigger,
       name,
       handler_symbol AS handler,
       total
FROM irqs
ORDER BY irq;
