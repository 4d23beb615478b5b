using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using PromptLeo.Web.Data.Postgres;

namespace PromptLeo.Web.Data;

/// <summary>
/// For <c>dotnet ef migrations add … --context AppDbContext</c>: the SQLite model, so the tool never takes the PostgreSQL
/// context's provider (it did, writing "uuid" columns into a SQLite migration).
/// </summary>
public sealed class AppDbContextDesignFactory : IDesignTimeDbContextFactory<AppDbContext>
{
    public AppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AppDbContext>().UseSqlite("Data Source=design-time.db").UseApplicationServiceProvider(DesignTime.IdentityServices()).Options);
}
