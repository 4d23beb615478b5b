using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Sessions;

/// <summary>Sessions in the Art. 15/20 export: device, network (host part removed), region, start and last use.</summary>
public sealed class SessionExportContributor : IExportContributor
{
    public async Task<IReadOnlyDictionary<string, int>> WriteAsync(ExportArchive archive, AppDbContext db, CancellationToken cancellationToken)
    {
        var sessions = await db.UserSessions.AsNoTracking().Where(s => s.UserId == archive.UserId).OrderBy(s => s.CreatedAt)
            .Select(s => new { s.CreatedAt, s.LastSeenAt, s.Device, s.Network, s.Region })
            .ToListAsync(cancellationToken);
        await archive.WriteJsonAsync("sessions.json", writer => JsonSerializer.Serialize(writer, sessions));
        return new Dictionary<string, int> { ["sessions"] = sessions.Count };
    }
}
