using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using OpenTracy.Routing.Npz;

namespace OpenTracy.Routing.Tests;

public sealed class NpzTests
{
    [Theory]
    [InlineData("mmlu_full.npz", 100)]
    [InlineData("default.npz", 50)]
    public void Reads_the_reference_cluster_files(string file, int clusters)
    {
        var arrays = NpzReader.Read(Path.Combine(ReferenceWeights.Directory, "clusters", file));

        Assert.Equal("kmeans", arrays["type"].AsScalarString());
        Assert.Empty(arrays["type"].Shape);
        var centroids = arrays["centroids"];
        Assert.Equal(NpyElementType.Float32, centroids.ElementType);
        Assert.Equal([clusters, 384], centroids.Shape);
        // §8.3: centroids are not unit length (norms ≈ 0.41–0.92)
        foreach (var row in centroids.ToMatrix64())
        {
            var norm = Math.Sqrt(row.Sum(v => v * v));
            Assert.InRange(norm, 0.3, 1.0);
        }
    }

    [Fact]
    public void Round_trips_float32_float64_and_strings()
    {
        using var stream = new MemoryStream();
        NpzWriter.Write(stream,
        [
            NpyArray.FromFloat32("f4", [1.5f, -2f, 3.25f, 0f, 1e-8f, float.MaxValue], 2, 3),
            NpyArray.FromFloat64("f8", [Math.PI, -Math.E], 2),
            NpyArray.FromStrings("names", ["kmeans", "learned_map", "ü"], 3),
            NpyArray.ScalarString("type", "kmeans"),
            NpyArray.ScalarFloat64("temperature", 0.5),
        ]);
        stream.Position = 0;

        var arrays = NpzReader.Read(stream);

        Assert.Equal([1.5f, -2f, 3.25f, 0f, 1e-8f, float.MaxValue], arrays["f4"].ToFloat32());
        Assert.Equal([2, 3], arrays["f4"].Shape);
        Assert.Equal([Math.PI, -Math.E], arrays["f8"].ToFloat64());
        Assert.Equal(["kmeans", "learned_map", "ü"], arrays["names"].ToStrings());
        Assert.Equal("kmeans", arrays["type"].AsScalarString());
        Assert.Equal(0.5, arrays["temperature"].AsScalarDouble());
    }

    [Fact]
    public void Written_headers_are_aligned_to_64_bytes_like_numpy()
    {
        using var stream = new MemoryStream();
        NpyFormat.Write(NpyArray.FromFloat32("x", [1f, 2f], 2), stream);
        var bytes = stream.ToArray();
        var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        Assert.Equal(0, (10 + headerLength) % 64);
        Assert.Equal((byte)'\n', bytes[10 + headerLength - 1]);
        Assert.Contains("'shape': (2,)", Encoding.Latin1.GetString(bytes, 10, headerLength));
    }

    [Fact]
    public void Reads_version_2_and_3_headers_and_byte_strings()
    {
        var v2 = Npy(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", BitConverter.GetBytes(1.25).Concat(BitConverter.GetBytes(-4.0)).ToArray());
        Assert.Equal([1.25, -4.0], NpyFormat.Read("v2", v2).ToFloat64());

        var v3 = Npy(3, "{'descr': '|S6', 'fortran_order': False, 'shape': (2,), }", "kmeansab\0\0\0\0"u8.ToArray());
        Assert.Equal(["kmeans", "ab"], NpyFormat.Read("v3", v3).ToStrings());
    }

    [Theory]
    [InlineData("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", "unsupported dtype '<i4'")]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", "big-endian")]
    [InlineData("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }", "Fortran-ordered")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", "truncated data")]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", "structured dtypes")]
    [InlineData("{'fortran_order': False, 'shape': (1,), }", "no string 'descr'")]
    public void Rejects_unsupported_arrays_with_a_clear_message(string header, string expected)
    {
        var ex = Assert.Throws<NpyFormatException>(() => NpyFormat.Read("arr", Npy(1, header, new byte[4])));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("'arr'", ex.Message);
    }

    [Fact]
    public void Rejects_a_file_that_is_not_npy()
    {
        var ex = Assert.Throws<NpyFormatException>(() => NpyFormat.Read("arr", "PK\u0003\u0004 not numpy at all"u8));
        Assert.Contains("bad magic", ex.Message);
    }

    [Fact]
    public void Names_the_file_when_the_zip_is_broken()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "broken.npz");
        File.WriteAllText(path, "definitely not a zip");
        var ex = Assert.Throws<NpyFormatException>(() => NpzReader.Read(path));
        Assert.Contains("broken.npz", ex.Message);
    }

    [Fact]
    public void Reads_deflated_entries()
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry("centroids.npy", CompressionLevel.Optimal).Open();
            NpyFormat.Write(NpyArray.FromFloat32("centroids", [1f, 2f, 3f, 4f], 2, 2), entry);
        }
        stream.Position = 0;
        Assert.Equal([1f, 2f, 3f, 4f], NpzReader.Read(stream)["centroids"].ToFloat32());
    }

    private static byte[] Npy(byte major, string header, byte[] data)
    {
        var headerBytes = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetBytes(header + "\n");
        using var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0]);
        if (major == 1) ms.Write(BitConverter.GetBytes((ushort)headerBytes.Length));
        else ms.Write(BitConverter.GetBytes((uint)headerBytes.Length));
        ms.Write(headerBytes);
        ms.Write(data);
        return ms.ToArray();
    }
}
