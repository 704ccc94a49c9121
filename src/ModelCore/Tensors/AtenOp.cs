using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using MemoryPlatform.ModelCore.Native;

namespace MemoryPlatform.ModelCore.Tensors;

/// <summary>
/// An ATen operator called by name through the c10 dispatcher (boxed call). The handle is looked up
/// once; arguments go in schema order with every default spelled out (boxed calls fill none in).
/// </summary>
public sealed class AtenOp(string name, string overload = "")
{
    private static readonly ConcurrentDictionary<(string, string), bool> Presence = new();
    private nint handle;

    public string Name => overload.Length == 0 ? name : $"{name}.{overload}";

    /// <summary>Whether the linked libtorch has this operator (used to pick native kernels over composed ones).</summary>
    public static bool Exists(string name, string overload = "") =>
        Presence.GetOrAdd((name, overload), k => TorchNative.mp_op_find(k.Item1, k.Item2, out _) == 0);

    private nint Handle
    {
        get
        {
            if (handle != 0) return handle;
            if (TorchNative.mp_op_find(name, overload, out var h) != 0)
                throw new TorchException($"operator {Name} is not available in the linked libtorch: " +
                                         Marshal.PtrToStringUTF8(TorchNative.mp_last_error()));
            handle = h;
            return h;
        }
    }

    /// <summary>The operator's schema as libtorch states it, e.g. for error messages and checks.</summary>
    public unsafe string Schema()
    {
        var buf = stackalloc byte[2048];
        TorchNative.Check(TorchNative.mp_op_schema(Handle, buf, 2048));
        return Marshal.PtrToStringUTF8((nint)buf) ?? "";
    }

    public Tensor Call(params ReadOnlySpan<Arg> args)
    {
        Span<NativeArg> outs = stackalloc NativeArg[1];
        Invoke(args, outs, 1);
        return Tensor.Wrap(outs[0].P);
    }

    public (Tensor, Tensor) Call2(params ReadOnlySpan<Arg> args)
    {
        Span<NativeArg> outs = stackalloc NativeArg[2];
        Invoke(args, outs, 2);
        return (Tensor.Wrap(outs[0].P), Tensor.Wrap(outs[1].P));
    }

    /// <summary>For operators returning Tensor[] (split, chunk, unbind).</summary>
    public Tensor[] CallList(int maxResults, params ReadOnlySpan<Arg> args)
    {
        var outs = new NativeArg[maxResults];
        var n = Invoke(args, outs, -1);
        var result = new Tensor[n];
        for (var k = 0; k < n; k++) result[k] = Tensor.Wrap(outs[k].P);
        return result;
    }

    /// <summary>For in-place operators: the returned alias of self is released at once.</summary>
    public void CallInPlace(params ReadOnlySpan<Arg> args)
    {
        Span<NativeArg> outs = stackalloc NativeArg[1];
        var n = Invoke(args, outs, -1);
        if (n == 1 && outs[0].Kind == (int)ArgKind.Tensor) TorchNative.mp_tensor_free(outs[0].P);
    }

    private unsafe int Invoke(ReadOnlySpan<Arg> args, Span<NativeArg> outs, int expectedTensors)
    {
        var op = Handle;
        Span<NativeArg> native = stackalloc NativeArg[args.Length];
        List<GCHandle>? pins = null;
        try
        {
            for (var k = 0; k < args.Length; k++) native[k] = Lower(args[k], ref pins);
            int n;
            fixed (NativeArg* a = native)
            fixed (NativeArg* o = outs)
                TorchNative.Check(TorchNative.mp_op_call(op, a, args.Length, o, outs.Length, out n));
            for (var k = 0; k < n && expectedTensors > 0; k++)
                if (outs[k].Kind != (int)ArgKind.Tensor)
                    throw new TorchException($"{Name} returned a non-tensor result");
            if (expectedTensors > 0 && n != expectedTensors)
                throw new TorchException($"{Name} returned {n} results, expected {expectedTensors}");
            return n;
        }
        finally
        {
            if (pins is not null) foreach (var p in pins) p.Free();
            // Tensors referenced by args must stay alive until the native call has taken its references.
            foreach (var a in args) GC.KeepAlive(a.Ref);
        }
    }

    private static NativeArg Lower(in Arg a, ref List<GCHandle>? pins)
    {
        var n = new NativeArg { Kind = (int)a.Kind, I = a.I, D = a.D };
        switch (a.Kind)
        {
            case ArgKind.Tensor:
                n.P = ((Tensor)a.Ref!).Raw;
                break;
            case ArgKind.Device:
                n.Aux = (int)a.D;
                break;
            case ArgKind.IntList:
                n.P = Pin(a.Ref!, ((long[])a.Ref!).Length, ref n, ref pins);
                break;
            case ArgKind.DoubleList:
                n.P = Pin(a.Ref!, ((double[])a.Ref!).Length, ref n, ref pins);
                break;
            case ArgKind.TensorList:
            {
                var ts = (Tensor[])a.Ref!;
                var raws = new nint[ts.Length];
                for (var k = 0; k < ts.Length; k++) raws[k] = ts[k].Raw;
                n.P = Pin(raws, raws.Length, ref n, ref pins);
                break;
            }
            case ArgKind.OptionalTensorList:
            {
                var ts = (Tensor?[])a.Ref!;
                var raws = new nint[ts.Length];
                for (var k = 0; k < ts.Length; k++) raws[k] = ts[k]?.Raw ?? 0;
                n.P = Pin(raws, raws.Length, ref n, ref pins);
                break;
            }
            case ArgKind.String:
            {
                var bytes = Encoding.UTF8.GetBytes((string)a.Ref! + "\0");
                n.P = Pin(bytes, bytes.Length, ref n, ref pins);
                break;
            }
        }
        return n;
    }

    private static nint Pin(object array, int length, ref NativeArg n, ref List<GCHandle>? pins)
    {
        var h = GCHandle.Alloc(array, GCHandleType.Pinned);
        (pins ??= []).Add(h);
        if (n.Kind != (int)ArgKind.String) n.I = length;
        return h.AddrOfPinnedObject();
    }
}
