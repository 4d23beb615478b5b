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

    /// <summary>Sections a contributor adds to the Art. 15 report (report.pdf), after the standard ones, in this order.</summary>
    public List<AccessReportSection> ReportSections { get; } = [];

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

/// <summary>A section of the Art. 15 report written by a feature: its title and its body, both through <see cref="Reports.ReportText"/>.</summary>
public sealed record AccessReportSection(string Title, string GermanTitle, Action<Reports.PdfReport, Reports.ReportText> Write)
{
    /// <summary>Who else receives the user's data through this feature, added to the report's "Recipients" section.</summary>
    public Func<Reports.ReportText, string>? Recipients { get; init; }
}
