using System.Security.Cryptography;
using System.Text;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Icae;

/// <summary>
/// A cheap, load-dtype-independent identity of a set of weights: SHA-256 over a description text (a config) and,
/// per tensor, its name, shape and up to <see cref="SamplesPerTensor"/> evenly strided elements rounded to bf16.
/// Rounding to bf16 makes a float32 model and its bf16 load agree; striding keeps a 7B model at a few MB hashed.
/// Two different trainings differ in (nearly) every element, so a sample tells them apart.
/// </summary>
public static class WeightsIdentity
{
    public const long SamplesPerTensor = 1 << 16;

    public static byte[] Of(string description, IEnumerable<(string Name, Tensor Value)> tensors)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(description));
        using var noGrad = Autograd.NoGrad();
        foreach (var (name, value) in tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            using var scope = TensorScope.Begin();
            sha.AppendData(Encoding.UTF8.GetBytes($"\n{name} [{string.Join(",", value.Shape)}]\n"));
            var flat = value.Detach().Reshape(-1);
            var step = Math.Max(1, (flat.Size(0) + SamplesPerTensor - 1) / SamplesPerTensor);
            sha.AppendData(flat.Slice(0, 0, flat.Size(0), step).To(DType.BFloat16).To(Device.Cpu).Contiguous().ToBytes());
        }
        return sha.GetHashAndReset();
    }
}
