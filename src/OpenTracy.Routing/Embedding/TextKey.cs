using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace OpenTracy.Routing.Embedding;

/// <summary>MD5 of a text's UTF-8 bytes as a 128-bit value: the embedding cache key (§8.1).</summary>
internal static class TextKey
{
    private const int StackLimit = 1024;

    public static UInt128 Of(string text)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        var buffer = max <= StackLimit ? stackalloc byte[max] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            Span<byte> hash = stackalloc byte[MD5.HashSizeInBytes];
            MD5.HashData(buffer[..length], hash);
            return new UInt128(BitConverter.ToUInt64(hash[..8]), BitConverter.ToUInt64(hash[8..]));
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
