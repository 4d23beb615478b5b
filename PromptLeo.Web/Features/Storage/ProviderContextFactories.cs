using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Data.Postgres;

namespace PromptLeo.Web.Features.Storage;

// Each provider's context type carries its own migrations: the base type on SQLite, the derived Postgres… type on PostgreSQL.

public sealed class AppDbContextFactory(DbContextOptions<AppDbContext> options, IOptions<DatabaseOptions> database) : IDbContextFactory<AppDbContext>
{
    public AppDbContext CreateDbContext() => database.Value.Provider == DatabaseProvider.Postgres ? new PostgresAppDbContext(options) : new AppDbContext(options);
}

public sealed class DataKeyDbContextFactory(DbContextOptions<DataKeyDbContext> options, IOptions<DatabaseOptions> database) : IDbContextFactory<DataKeyDbContext>
{
    public DataKeyDbContext CreateDbContext() => database.Value.Provider == DatabaseProvider.Postgres ? new PostgresDataKeyDbContext(options) : new DataKeyDbContext(options);
}
