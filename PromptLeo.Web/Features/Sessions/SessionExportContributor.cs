using System.IO.Compression;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Sessions;

/// <summary>Sessions in the Art. 15/20 export: device, network (host part removed), region, start and last use.</summary>
public sealed class SessionExportContributor(IDbContextFactory<AppDbContext> dbFactory) : IExportContributor
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public async Task<IReadOnlyDictionary<string, int>> WriteAsync(ZipArchive zip, string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var sessions = await db.UserSessions.AsNoTracking().Where(s => s.UserId == userId).OrderBy(s => s.CreatedAt)
            .Select(s => new { s.CreatedAt, s.LastSeenAt, s.Device, s.Network, s.Region })
            .ToListAsync(cancellationToken);
        var entry = zip.CreateEntry("sessions.json", CompressionLevel.Fastest);
        await using var stream = await entry.OpenAsync(cancellationToken);
        await JsonSerializer.SerializeAsync(stream, sessions, Json, cancellationToken);
        return new Dictionary<string, int> { ["sessions"] = sessions.Count };
    }
}
