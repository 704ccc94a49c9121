using System.Runtime.InteropServices;
using System.Text;

namespace MemoryPlatform.ModelCore.Data;

/// <summary>
/// NFC normalisation. The solution builds with InvariantGlobalization, under which
/// string.Normalize leaves non-ASCII text unchanged, so we call the system ICU (libicuuc)
/// directly, finding its version-suffixed symbols at run time.
/// </summary>
public static unsafe class UnicodeNfc
{
    private static readonly Lazy<(IntPtr Nfc, IntPtr Normalize)> Icu = new(LoadIcu);

    public static string Normalize(string s)
    {
        // Characters below U+0300 (Latin-1, Latin Extended A/B) never change under NFC on their own.
        if (s.All(c => c < 0x300)) return s;
        if (BuiltInWorks) return s.Normalize(NormalizationForm.FormC);
        var (nfc, normalize) = Icu.Value;
        var fn = (delegate* unmanaged<IntPtr, char*, int, char*, int, int*, int>)normalize;
        // NFC never more than triples the length (Unicode stability guarantee).
        var buffer = new char[s.Length * 3 + 16];
        int error = 0, length;
        fixed (char* src = s)
        fixed (char* dst = buffer)
            length = fn(nfc, src, s.Length, dst, buffer.Length, &error);
        if (error > 0) throw new InvalidOperationException($"ICU unorm2_normalize failed: error {error}");
        return new string(buffer, 0, length);
    }

    private static readonly bool BuiltInWorks = "e\u0301".Normalize(NormalizationForm.FormC) == "\u00e9";

    private static (IntPtr, IntPtr) LoadIcu()
    {
        for (var v = 90; v >= 50; v--)
        {
            if (!NativeLibrary.TryLoad($"libicuuc.so.{v}", out var lib)) continue;
            if (!NativeLibrary.TryGetExport(lib, $"unorm2_getNFCInstance_{v}", out var get)
                || !NativeLibrary.TryGetExport(lib, $"unorm2_normalize_{v}", out var normalize)) continue;
            int error = 0;
            var nfc = ((delegate* unmanaged<int*, IntPtr>)get)(&error);
            if (error > 0 || nfc == IntPtr.Zero) throw new InvalidOperationException($"ICU NFC instance: error {error}");
            return (nfc, normalize);
        }
        throw new InvalidOperationException("NFC normalisation needs ICU (Debian package libicu72 or similar)");
    }
}
