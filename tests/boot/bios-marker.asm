; bios-marker.asm - an El Torito no-emulation boot image for the boot
; tests: the BIOS loads its 8 sectors (4 KiB, as many as Microsoft's
; etfsboot.com asks for) at 0000:7C00; it writes WIMPATCH-BIOS-MARKER to
; COM1 and stops QEMU through the isa-debug-exit device at port 0xF4.
;
; The marker is kept XOR-scrambled and in the last sector, so it reaches
; the serial log only if the code ran and all 8 sectors were loaded:
; neither the firmware echoing bytes nor a short load can fake it.
; nasm -f bin -o etfsboot.com bios-marker.asm

	bits 16
	org 0x7c00

COM1	equ 0x3f8
KEY	equ 0x5a

start:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7c00
	cld

	; 115200 8N1, FIFO on, no interrupts.
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x80		; DLAB: the divisor follows
	out dx, al
	mov dx, COM1
	mov al, 1
	out dx, al
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x03
	out dx, al
	mov dx, COM1 + 2
	mov al, 0xc7
	out dx, al
	mov dx, COM1 + 4
	mov al, 0x03
	out dx, al

	mov si, marker
	mov cx, marker_len
.next:
	lodsb
	xor al, KEY
	mov ah, al
	mov dx, COM1 + 5
.wait:
	in al, dx		; until the transmitter holding register is empty
	test al, 0x20
	jz .wait
	mov al, ah
	mov dx, COM1
	out dx, al
	loop .next

	; isa-debug-exit: QEMU exits with status (value << 1) | 1 = 1.
	mov dx, 0xf4
	xor al, al
	out dx, al
.halt:
	hlt
	jmp .halt

	times 7 * 512 - ($ - $$) db 0

%macro scrambled 1-*
%rep %0
	db %1 ^ KEY
%rotate 1
%endrep
%endmacro

marker:
	scrambled 'W','I','M','P','A','T','C','H','-','B','I','O','S','-','M','A','R','K','E','R',13,10
marker_len equ $ - marker

	times 8 * 512 - ($ - $$) db 0
