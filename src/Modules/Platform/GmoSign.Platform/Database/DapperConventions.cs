using System.Data;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace GmoSign.Platform.Database;

/// <summary>
/// The one way the stores reach PostgreSQL: Dapper, with named parameters (<c>@TenantId</c>) taken from an anonymous
/// object, rows mapped onto positional records by column name (<c>tenant_id</c> → <c>TenantId</c>), and the
/// cancellation token and transaction passed through a <see cref="CommandDefinition"/>. These conventions are set once
/// per process; every module calls <see cref="Apply"/> from its registration.
/// </summary>
public static class DapperConventions
{
    private static int _applied;

    /// <summary>Idempotent: the first call sets the conventions, later ones do nothing.</summary>
    public static void Apply()
    {
        if (Interlocked.Exchange(ref _applied, 1) == 1)
        {
            return;
        }
        // snake_case columns meet PascalCase record parameters without an alias per column.
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.AddTypeHandler(new UtcDateTimeOffsetHandler());
        SqlMapper.AddTypeHandler(new ArrayHandler<string>());
        SqlMapper.AddTypeHandler(new ArrayHandler<Guid>());
        SqlMapper.AddTypeHandler(new ArrayHandler<byte[]>());
    }

    /// <summary>
    /// Npgsql reads <c>timestamptz</c> as a UTC <see cref="DateTime"/>, and Dapper has no conversion from that to the
    /// <see cref="DateTimeOffset"/> the records hold (it would not even find their constructors). This reads it as an
    /// offset-zero <see cref="DateTimeOffset"/>, as <c>GetFieldValue&lt;DateTimeOffset&gt;</c> did. Parameters need
    /// nothing: Dapper sends a <see cref="DateTimeOffset"/> as <see cref="DbType.DateTimeOffset"/>, which Npgsql writes
    /// as <c>timestamptz</c>. (<c>date</c> needs no handler: Npgsql 10 reads it as <see cref="DateOnly"/>, which Dapper
    /// maps as it is.)
    /// </summary>
    internal sealed class UtcDateTimeOffsetHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override DateTimeOffset Parse(object value) => value switch
        {
            DateTime { Kind: DateTimeKind.Utc } utc => new DateTimeOffset(utc),
            DateTimeOffset offset => offset,
            _ => throw new InvalidCastException($"Cannot read {value.GetType().Name} ({value}) as a UTC DateTimeOffset."),
        };

        public override void SetValue(IDbDataParameter parameter, DateTimeOffset value)
        {
            parameter.DbType = DbType.DateTimeOffset;
            parameter.Value = value;
        }
    }

    /// <summary>
    /// Npgsql reports an array column's type as <see cref="Array"/>, so Dapper finds no record constructor taking
    /// <c>string[]</c> (<c>text[]</c>), <c>Guid[]</c> (<c>uuid[]</c>) or <c>byte[][]</c> (<c>bytea[]</c>) unless a handler
    /// owns the type; the value read is already that array. As a parameter the array goes to Npgsql as it is, which
    /// sends it as the matching PostgreSQL array (a null goes untyped: cast it in the SQL, <c>@Tags::text[]</c>).
    /// </summary>
    internal sealed class ArrayHandler<T> : SqlMapper.TypeHandler<T[]>
    {
        public override T[] Parse(object value) => (T[])value;

        public override void SetValue(IDbDataParameter parameter, T[]? value) => parameter.Value = value;
    }
}

/// <summary>
/// A <c>jsonb</c> parameter: JSON text sent with <see cref="NpgsqlDbType.Jsonb"/>, since a plain string parameter is
/// <c>text</c> and PostgreSQL does not assign text to a jsonb column. Use it as a property of the parameter object.
/// </summary>
public sealed class JsonbParameter(string json) : SqlMapper.ICustomQueryParameter
{
    public void AddParameter(IDbCommand command, string name) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Jsonb) { Value = json });
}
