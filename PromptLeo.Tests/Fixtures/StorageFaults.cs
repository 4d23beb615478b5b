using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using PromptLeo.Web.Features.Content;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// A data folder whose disk fills up: once <see cref="FreeBytes"/> is set, the files the portal creates take that many
/// bytes (all files together), then every write fails with the IOException Linux gives for ENOSPC. The bytes before
/// the failure really land on disk, so the portal has a real partial file to clean up.
/// </summary>
public sealed class FillingDiskFileWriter : DataFileWriter
{
    private long free = long.MaxValue;

    /// <summary>Bytes left on the simulated disk; null = unlimited.</summary>
    public long? FreeBytes
    {
        get => Interlocked.Read(ref free) == long.MaxValue ? null : Interlocked.Read(ref free);
        set => Interlocked.Exchange(ref free, value ?? long.MaxValue);
    }

    public int Failures;

    public override Stream Create(string path) => new FillingStream(base.Create(path), this);

    private bool TryTake(int count)
    {
        while (true)
        {
            var left = Interlocked.Read(ref free);
            if (left == long.MaxValue)
                return true;
            if (left < count)
            {
                Interlocked.Exchange(ref free, 0);
                Interlocked.Increment(ref Failures);
                return false;
            }
            if (Interlocked.CompareExchange(ref free, left - count, left) == left)
                return true;
        }
    }

    /// <summary>The exception .NET throws on Linux when write(2) fails with ENOSPC (errno 28 as the HResult).</summary>
    public static IOException DiskFull() => new("No space left on device", 28);

    private sealed class FillingStream(Stream inner, FillingDiskFileWriter disk) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var allowed = (int)Math.Min(buffer.Length, disk.FreeBytes ?? long.MaxValue);
            if (!disk.TryTake(buffer.Length))
            {
                // A full disk still takes what fits, as write(2) does, before it refuses the rest.
                inner.Write(buffer[..allowed]);
                inner.Flush();
                throw DiskFull();
            }
            inner.Write(buffer);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => Write(buffer.Span);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}

/// <summary>
/// Fills the database's disk: with <see cref="Full"/> each connection EF opens gets SQLite's <c>max_page_count</c> set
/// to the file's current size, so any write that needs a new page fails with SQLite's own SQLITE_FULL. With
/// <see cref="FailCommandsContaining"/> matching commands fail the same way even when they fit into a free page.
/// </summary>
public sealed class FullDatabaseInterceptor : DbConnectionInterceptor, IInterceptor
{
    public volatile bool Full;

    /// <summary>SQL text (e.g. <c>INSERT INTO "UsageEvents"</c>) whose commands fail with SQLITE_FULL; null = none.</summary>
    public volatile string? FailCommandsContaining;

    /// <summary>How many commands were failed so far.</summary>
    public int FailedCommands;

    // SQLite never lowers the limit below the current size; the largest value lifts it again on a pooled connection.
    private string Pragma => Full ? "PRAGMA max_page_count = 1;" : "PRAGMA max_page_count = 4294967294;";

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    /// <summary>The command interceptor half: fails commands matching <see cref="FailCommandsContaining"/>.</summary>
    public sealed class CommandFailure(FullDatabaseInterceptor owner) : DbCommandInterceptor
    {
        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Check(command);
            return ValueTask.FromResult(result);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            Check(command);
            return ValueTask.FromResult(result);
        }

        private void Check(DbCommand command)
        {
            if (owner.FailCommandsContaining is { } text && command.CommandText.Contains(text, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref owner.FailedCommands);
                throw new SqliteException("SQLite Error 13: 'database or disk is full'.", 13);
            }
        }
    }
}
