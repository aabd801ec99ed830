/*
 * bcryptprimitives.dll for Wine 8: Go 1.24+ on Windows takes its random
 * bytes from ProcessPrng in bcryptprimitives.dll (present since Windows 10),
 * which Wine before 9.x lacks, so every Go program dies at start. This stand-in
 * exports ProcessPrng by calling BCryptGenRandom, which Wine implements.
 * Used only by the Wine tests; never shipped (Windows has the real one).
 */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
