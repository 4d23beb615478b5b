using System.IO.Compression;
using System.Text.Json;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>The export ZIP of one user as the contributors see it: entries, JSON helpers and progress.</summary>
public sealed class ExportArchive(ZipArchive zip, string userId, Func<Task> step)
{
    private static readonly JsonWriterOptions JsonOptions = new() { Indented = true };

    public ZipArchive Zip { get; } = zip;

    /// <summary>Whose data is exported; every query of a contributor is scoped to this id.</summary>
    public string UserId { get; } = userId;

    /// <summary>Reports one of the steps announced by <see cref="IExportContributor.CountStepsAsync"/>.</summary>
    public Task StepAsync() => step();

    public Task WriteJsonAsync(string name, Action<Utf8JsonWriter> write) => WriteJsonAsync(name, w =>
    {
        write(w);
        return Task.CompletedTask;
    });

    /// <summary>One JSON entry, written straight into the ZIP (a ZIP takes one open entry at a time).</summary>
    public async Task WriteJsonAsync(string name, Func<Utf8JsonWriter, Task> write)
    {
        var entry = Zip.CreateEntry(name, CompressionLevel.Fastest);
        await using var stream = await entry.OpenAsync();
        await using var writer = new Utf8JsonWriter(stream, JsonOptions);
        await write(writer);
        await writer.FlushAsync();
    }
}
