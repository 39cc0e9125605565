/* efi-marker.c - a UEFI application for the boot tests, built with
 * gnu-efi into EFI/BOOT/BOOTX64.EFI inside efisys.bin: it prints
 * WIMPATCH-UEFI-MARKER on the console (OVMF copies ConOut to the serial
 * port, which the test logs) and powers the machine off, so that QEMU
 * ends at once instead of at the test's timeout.  Built with -DNOPROMPT
 * (for efisys_noprompt.bin) it prints WIMPATCH-UEFI-NOPROMPT-MARKER. */
#include <efi.h>
#include <efilib.h>

/* Built from pieces at run time, so that the text is in the serial log
 * only if the application ran (the file holds no copy of it). */
static CHAR16 *marker(CHAR16 *buf)
{
#ifdef NOPROMPT
	static const CHAR16 *const parts[] = { L"WIMPATCH", L"-UEFI", L"-NOPROMPT", L"-MARKER" };
#else
	static const CHAR16 *const parts[] = { L"WIMPATCH", L"-UEFI", L"-MARKER" };
#endif
	UINTN n = 0;

	for (UINTN i = 0; i < sizeof parts / sizeof parts[0]; i++)
		for (const CHAR16 *p = parts[i]; *p; p++)
			buf[n++] = *p;
	buf[n] = 0;
	return buf;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	CHAR16 buf[40];

	InitializeLib(image, systab);
	Print(L"\r\n%s\r\n", marker(buf));
	uefi_call_wrapper(RT->ResetSystem, 4, EfiResetShutdown, EFI_SUCCESS, 0, NULL);
	return EFI_SUCCESS;	/* not reached: ResetSystem does not return */
}
