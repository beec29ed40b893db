using System.IO.Compression;

namespace OpenTracy.Routing.Npz;

/// <summary>Reads an .npz file (a zip of .npy arrays, stored or deflated) into arrays keyed by name.</summary>
public static class NpzReader
{
    private const string NpyExtension = ".npy";

    public static IReadOnlyDictionary<string, NpyArray> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            using var stream = File.OpenRead(path);
            return Read(stream);
        }
        catch (NpyFormatException ex)
        {
            throw new NpyFormatException($"{path}: {ex.Message}");
        }
        catch (InvalidDataException ex)
        {
            throw new NpyFormatException($"{path}: not a valid .npz (zip) file: {ex.Message}");
        }
    }

    public static IReadOnlyDictionary<string, NpyArray> Read(Stream stream)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        var arrays = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            if (entry.FullName.EndsWith('/')) continue; // directory entry
            var name = entry.FullName.EndsWith(NpyExtension, StringComparison.Ordinal)
                ? entry.FullName[..^NpyExtension.Length]
                : entry.FullName;
            using var data = entry.Open();
            using var buffer = new MemoryStream(checked((int)entry.Length));
            data.CopyTo(buffer);
            arrays[name] = NpyFormat.Read(name, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        return arrays;
    }
}

/// <summary>Writes arrays as an .npz file (uncompressed, like <c>numpy.savez</c>).</summary>
public static class NpzWriter
{
    public static void Write(string path, IEnumerable<NpyArray> arrays)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = File.Create(path);
        Write(file, arrays);
    }

    public static void Write(Stream output, IEnumerable<NpyArray> arrays)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        foreach (var array in arrays)
        {
            var entry = zip.CreateEntry(array.Name + ".npy", CompressionLevel.NoCompression);
            using var stream = entry.Open();
            NpyFormat.Write(array, stream);
        }
    }
}
