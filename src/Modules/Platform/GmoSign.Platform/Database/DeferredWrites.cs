using Npgsql;

namespace GmoSign.Platform.Database;

/// <summary>Runs a <see cref="DeferredWrite"/> with Npgsql: its positional values become the statement's parameters.</summary>
public static class DeferredWrites
{
    public static void Bind(this DeferredWrite write, NpgsqlParameterCollection parameters)
    {
        foreach (var value in write.Parameters)
        {
            parameters.Add(new NpgsqlParameter { Value = value });
        }
    }

    /// <summary>The write as one command of a batch.</summary>
    public static NpgsqlBatchCommand ToBatchCommand(this DeferredWrite write)
    {
        var command = new NpgsqlBatchCommand(write.Sql);
        write.Bind(command.Parameters);
        return command;
    }
}
