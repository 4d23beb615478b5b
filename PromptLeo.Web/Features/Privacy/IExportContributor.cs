using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// A feature that holds data about users and adds it to the Art. 15/20 export. Register it in the feature's own
/// <c>AddX</c>; Privacy finds every contributor and never names the feature's tables. All contributors of one export
/// read through the export's own context.
/// </summary>
public interface IExportContributor
{
    /// <summary>How many progress steps <see cref="WriteAsync"/> reports for this user (e.g. one per conversation).</summary>
    Task<int> CountStepsAsync(AppDbContext db, string userId, CancellationToken cancellationToken) => Task.FromResult(0);

    /// <summary>Writes the user's entries into the archive; returns category → count for the report.</summary>
    Task<IReadOnlyDictionary<string, int>> WriteAsync(ExportArchive archive, AppDbContext db, CancellationToken cancellationToken);
}
