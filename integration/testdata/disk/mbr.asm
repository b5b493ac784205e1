; The BIOS test disk's boot sector: it prints a marker on the first serial
; port, where the suite reads it, then resets the machine, which ends QEMU
; (-no-reboot). A VM that prints the marker booted its own disk.
bits 16
org 0x7c00

start:
	cli
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7c00
	mov si, marker
.next:
	lodsb
	test al, al
	jz reset
	mov bl, al
	mov dx, 0x3fd		; COM1 line status
.wait:
	in al, dx
	test al, 0x20		; transmitter holding register empty
	jz .wait
	mov al, bl
	mov dx, 0x3f8		; COM1 data
	out dx, al
	jmp .next

reset:
	; An empty interrupt table and an interrupt: a triple fault, which
	; resets the machine.
	lidt [empty_idt]
	int 3
	hlt

empty_idt:
	dw 0
	dd 0

marker:
	db "PXEGEN-DISK: bios", 13, 10, 0

	times 510-($-$$) db 0
	dw 0xaa55
