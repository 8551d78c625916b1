#include "server/storage/sqlite/sqlite_wal_gather.h"

#include <sqlite3.h>

#include <atomic>
#include <cstddef>
#include <string>

namespace eddy::server {
namespace {

std::atomic<std::int64_t> asked_writes{0};
std::atomic<std::int64_t> issued_writes{0};

// A WAL file: SQLite sees `base`; the default VFS's file follows this struct in the memory
// SQLite allocates (szOsFile covers both).
struct GatheringFile {
  sqlite3_file base;
  sqlite3_file* real;
  std::string* pending;  // contiguous bytes not yet written, starting at `offset`
  sqlite3_int64 offset;
};
static_assert(sizeof(GatheringFile) % alignof(std::max_align_t) == 0,
              "the real file after it must stay aligned");

GatheringFile* Of(sqlite3_file* f) { return reinterpret_cast<GatheringFile*>(f); }
sqlite3_file* Real(sqlite3_file* f) { return Of(f)->real; }

int Flush(GatheringFile* g) {
  if (g->pending->empty()) return SQLITE_OK;
  issued_writes.fetch_add(1, std::memory_order_relaxed);
  int rc = g->real->pMethods->xWrite(g->real, g->pending->data(),
                                     static_cast<int>(g->pending->size()), g->offset);
  g->pending->clear();
  return rc;
}

int Close(sqlite3_file* f) {
  GatheringFile* g = Of(f);
  int flushed = Flush(g);
  int rc = g->real->pMethods->xClose(g->real);
  delete g->pending;
  g->pending = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}

int Write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  GatheringFile* g = Of(f);
  asked_writes.fetch_add(1, std::memory_order_relaxed);
  std::string& pending = *g->pending;
  const auto size = static_cast<std::size_t>(amount);
  // Not where the gathered bytes end (SQLite rewriting a frame of this commit), or more than
  // one write may take: what came before goes out first, so the file sees the writes in
  // their order.
  if (!pending.empty() && (offset != g->offset + static_cast<sqlite3_int64>(pending.size()) ||
                           pending.size() + size > kMaxGatheredBytes)) {
    if (int rc = Flush(g); rc != SQLITE_OK) return rc;
  }
  if (size > kMaxGatheredBytes) {
    issued_writes.fetch_add(1, std::memory_order_relaxed);
    return g->real->pMethods->xWrite(g->real, data, amount, offset);
  }
  if (pending.empty()) g->offset = offset;
  pending.append(static_cast<const char*>(data), size);
  return SQLITE_OK;
}

// Everything that reads or changes the file, or asks it to be durable, sees the gathered
// writes first.
int Read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  if (int rc = Flush(Of(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xRead(Real(f), out, amount, offset);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int rc = Flush(Of(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (int rc = Flush(Of(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  if (int rc = Flush(Of(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  if (int rc = Flush(Of(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}

// The rest as the default VFS does them.
int Lock(sqlite3_file* f, int level) { return Real(f)->pMethods->xLock(Real(f), level); }
int Unlock(sqlite3_file* f, int level) { return Real(f)->pMethods->xUnlock(Real(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int page, int page_size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), page, page_size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int delete_flag) {
  return Real(f)->pMethods->xShmUnmap(Real(f), delete_flag);
}
int Fetch(sqlite3_file*, sqlite3_int64, int, void** out) {
  *out = nullptr;  // no memory mapping of the WAL: SQLite reads it instead
  return SQLITE_OK;
}
int Unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }

const sqlite3_io_methods kGatheringMethods = {
    .iVersion = 3,
    .xClose = Close,
    .xRead = Read,
    .xWrite = Write,
    .xTruncate = Truncate,
    .xSync = Sync,
    .xFileSize = FileSize,
    .xLock = Lock,
    .xUnlock = Unlock,
    .xCheckReservedLock = CheckReservedLock,
    .xFileControl = FileControl,
    .xSectorSize = SectorSize,
    .xDeviceCharacteristics = DeviceCharacteristics,
    .xShmMap = ShmMap,
    .xShmLock = ShmLock,
    .xShmBarrier = ShmBarrier,
    .xShmUnmap = ShmUnmap,
    .xFetch = Fetch,
    .xUnfetch = Unfetch,
};

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* real_vfs = static_cast<sqlite3_vfs*>(vfs->pAppData);
  // Other files are the default VFS's own, in the same memory.
  if ((flags & SQLITE_OPEN_WAL) == 0) {
    return real_vfs->xOpen(real_vfs, name, file, flags, out_flags);
  }
  GatheringFile* g = Of(file);
  g->base.pMethods = nullptr;  // what SQLite expects if the open fails
  g->real = reinterpret_cast<sqlite3_file*>(g + 1);
  g->pending = nullptr;
  g->offset = 0;
  int rc = real_vfs->xOpen(real_vfs, name, g->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  g->pending = new std::string();
  g->base.pMethods = &kGatheringMethods;
  return SQLITE_OK;
}

sqlite3_vfs* Register() {
  static sqlite3_vfs vfs = [] {
    sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
    sqlite3_vfs v = *real;
    v.zName = "eddy-wal-gather";
    v.pAppData = real;
    v.szOsFile = static_cast<int>(sizeof(GatheringFile)) + real->szOsFile;
    v.xOpen = Open;
    v.pNext = nullptr;
    return v;
  }();
  sqlite3_vfs_register(&vfs, /*makeDflt=*/0);
  return &vfs;
}

}  // namespace

const char* WalGatheringVfs() {
  static sqlite3_vfs* vfs = Register();
  return vfs->zName;
}

WalGatherCounts WalGatherTotals() {
  return {asked_writes.load(std::memory_order_relaxed),
          issued_writes.load(std::memory_order_relaxed)};
}

}  // namespace eddy::server
