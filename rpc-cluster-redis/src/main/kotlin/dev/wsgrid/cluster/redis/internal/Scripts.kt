package dev.wsgrid.cluster.redis.internal

/**
 * The Lua scripts of the cluster's state, each one atomic in Redis. Keys, for a prefix `P`:
 * `P:nodes` (sorted set: node → the Redis time, in ms, its heartbeat expires), `P:ids` (hash:
 * connection id → node), `P:node-ids:N` (set: the ids node N claimed, to free them when it dies).
 * Time is Redis's own (`TIME`), so the nodes' clocks need not agree.
 */
internal object Scripts {
    private const val NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "

    /**
     * KEYS nodes, ids; ARGV node, ttl ms, prefix of the node-ids sets. Refreshes the node's
     * heartbeat, frees the dead nodes' ids, and answers `[1 if the node was not registered, live nodes...]`.
     */
    val HEARTBEAT = NOW + """
        local added = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
        for _, n in ipairs(dead) do
          local set = ARGV[3] .. n
          for _, id in ipairs(redis.call('SMEMBERS', set)) do
            if redis.call('HGET', KEYS[2], id) == n then redis.call('HDEL', KEYS[2], id) end
          end
          redis.call('DEL', set)
          redis.call('ZREM', KEYS[1], n)
        end
        local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
        table.insert(live, 1, tostring(added))
        return live
    """.trimIndent()

    /**
     * KEYS nodes, ids, this node's ids set; ARGV node, id... Claims each id unless a live node
     * other than this one holds it; answers the ids that could not be claimed and their holders,
     * `[id, node, id, node, ...]`.
     */
    val CLAIM = NOW + """
        local taken = {}
        for i = 2, #ARGV do
          local id = ARGV[i]
          local owner = redis.call('HGET', KEYS[2], id)
          local alive = false
          if owner and owner ~= ARGV[1] then
            local expires = redis.call('ZSCORE', KEYS[1], owner)
            alive = expires and tonumber(expires) > now
          end
          if alive then
            table.insert(taken, id)
            table.insert(taken, owner)
          else
            redis.call('HSET', KEYS[2], id, ARGV[1])
            redis.call('SADD', KEYS[3], id)
          end
        end
        return taken
    """.trimIndent()

    /** KEYS ids, this node's ids set; ARGV node, id. Removes the id if this node holds it. */
    val RELEASE = """
        if redis.call('HGET', KEYS[1], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[1], ARGV[2]) end
        redis.call('SREM', KEYS[2], ARGV[2])
        return 1
    """.trimIndent()

    /** KEYS nodes, ids; ARGV id. The live node holding the id, or nil. */
    val LOCATE = NOW + """
        local owner = redis.call('HGET', KEYS[2], ARGV[1])
        if not owner then return false end
        local expires = redis.call('ZSCORE', KEYS[1], owner)
        if expires and tonumber(expires) > now then return owner end
        return false
    """.trimIndent()

    /** KEYS nodes, ids, this node's ids set; ARGV node. Frees this node's ids and leaves. */
    val LEAVE = """
        for _, id in ipairs(redis.call('SMEMBERS', KEYS[3])) do
          if redis.call('HGET', KEYS[2], id) == ARGV[1] then redis.call('HDEL', KEYS[2], id) end
        end
        redis.call('DEL', KEYS[3])
        redis.call('ZREM', KEYS[1], ARGV[1])
        return 1
    """.trimIndent()
}
