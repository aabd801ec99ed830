// Package sound plays the new-mail sound through the desktop's own player
// when the notification server cannot: libcanberra's canberra-gtk-play
// (which knows the freedesktop sound theme by name), else PipeWire's
// pw-play, else PulseAudio's paplay, whichever is on PATH first. Players run
// without a shell, detached in their own session, and are reaped; a player
// still running after a while is killed.
//
// When no player is installed it does nothing and says so in one log line.
package sound

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// ThemeSound is the freedesktop sound theme's name for new mail.
const ThemeSound = "message-new-email"

// ErrNoPlayer: none of canberra-gtk-play, pw-play and paplay is on PATH.
var ErrNoPlayer = errors.New("sound: no sound player (canberra-gtk-play, pw-play or paplay) on PATH")

// ErrNoFile: the player found needs a file and the sound theme has none for
// the name.
var ErrNoFile = errors.New("sound: no sound file")

// Options tune a Player. The zero value is fine.
type Options struct {
	// Logger for the rare lines worth writing; default slog.Default().
	Logger *slog.Logger
	// LookPath finds a program; default exec.LookPath (reads PATH at each
	// call, so a player installed later is found).
	LookPath func(string) (string, error)
	// DataDirs are searched for sounds/freedesktop/stereo/NAME.{oga,ogg,wav};
	// default $XDG_DATA_HOME then $XDG_DATA_DIRS (or /usr/local/share and
	// /usr/share), read at each call.
	DataDirs []string
	// MaxPlay is how long a player may run before it is killed; default 30 s.
	MaxPlay time.Duration
}

// maxPlaying bounds the players running at once: the notification policy
// already asks for one sound per burst, this only keeps a broken player that
// hangs from piling up.
const maxPlaying = 4

// Player plays sounds. Safe for concurrent use.
type Player struct {
	opts Options

	mu      sync.Mutex
	playing int
	said    map[string]bool // log lines written once
	wg      sync.WaitGroup
}

// New returns a player.
func New(opts Options) *Player {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.LookPath == nil {
		opts.LookPath = exec.LookPath
	}
	if opts.MaxPlay <= 0 {
		opts.MaxPlay = 30 * time.Second
	}
	return &Player{opts: opts, said: map[string]bool{}}
}

// Play starts playing file (an absolute path) or, when file is "", the
// sound theme's sound name ("" is ThemeSound). It returns once the player
// runs, without waiting for the sound to end. A file that does not exist
// falls back to the theme sound, with one log line.
//
// With no player it returns ErrNoPlayer (logged once); with a player that
// needs a file and no file for the name, ErrNoFile (logged once).
func (p *Player) Play(name, file string) error {
	if name == "" {
		name = ThemeSound
	}
	if file != "" {
		if _, err := os.Stat(file); err != nil {
			p.once("file:"+file, "sound file not found; playing the theme's sound instead", "file", file, "err", err)
			file = ""
		}
	}
	argv, err := p.command(name, file)
	if err != nil {
		p.once(err.Error(), "no sound for new mail", "err", err)
		return err
	}

	p.mu.Lock()
	if p.playing >= maxPlaying {
		p.mu.Unlock()
		p.opts.Logger.Debug("sound skipped: players still running", "running", maxPlaying)
		return nil
	}
	p.playing++
	p.mu.Unlock()

	cmd := exec.Command(argv[0], argv[1:]...)
	detach(cmd)
	if err := cmd.Start(); err != nil {
		p.mu.Lock()
		p.playing--
		p.mu.Unlock()
		return fmt.Errorf("sound: starting %s: %w", filepath.Base(argv[0]), err)
	}
	p.wg.Add(1)
	go p.reap(cmd)
	return nil
}

// reap waits for the player, killing it when it runs too long.
func (p *Player) reap(cmd *exec.Cmd) {
	defer p.wg.Done()
	kill := time.AfterFunc(p.opts.MaxPlay, func() { _ = cmd.Process.Kill() })
	err := cmd.Wait()
	kill.Stop()
	p.mu.Lock()
	p.playing--
	p.mu.Unlock()
	if err != nil {
		// No sound card, a file the player cannot decode: worth one line,
		// not one per new mail.
		p.once("exit:"+filepath.Base(cmd.Path), "sound player failed", "player", filepath.Base(cmd.Path), "err", err)
	}
}

// Wait waits for the players started so far to end (for tests and an
// orderly exit).
func (p *Player) Wait() { p.wg.Wait() }

// command picks the player and its arguments.
func (p *Player) command(name, file string) ([]string, error) {
	if path, err := p.opts.LookPath("canberra-gtk-play"); err == nil {
		if file != "" {
			return []string{path, "-f", file}, nil
		}
		return []string{path, "-i", name}, nil
	}
	for _, player := range []string{"pw-play", "paplay"} {
		path, err := p.opts.LookPath(player)
		if err != nil {
			continue
		}
		if file == "" {
			if file = p.themeFile(name); file == "" {
				return nil, fmt.Errorf("%w for %q in the freedesktop sound theme (searched %s)", ErrNoFile, name, strings.Join(p.dataDirs(), ":"))
			}
		}
		return []string{path, file}, nil
	}
	return nil, ErrNoPlayer
}

// themeFile finds name in the freedesktop theme.
func (p *Player) themeFile(name string) string {
	if strings.ContainsAny(name, "/\\") || name == "." || name == ".." {
		return ""
	}
	for _, dir := range p.dataDirs() {
		for _, ext := range []string{".oga", ".ogg", ".wav"} {
			f := filepath.Join(dir, "sounds", "freedesktop", "stereo", name+ext)
			if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
				return f
			}
		}
	}
	return ""
}

func (p *Player) dataDirs() []string {
	if p.opts.DataDirs != nil {
		return p.opts.DataDirs
	}
	var dirs []string
	if h := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(h) {
		dirs = append(dirs, h)
	} else if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".local", "share"))
	}
	sys := os.Getenv("XDG_DATA_DIRS")
	if sys == "" {
		sys = "/usr/local/share:/usr/share"
	}
	for _, d := range filepath.SplitList(sys) {
		if filepath.IsAbs(d) {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// once logs msg at Info the first time key is seen.
func (p *Player) once(key, msg string, args ...any) {
	p.mu.Lock()
	said := p.said[key]
	p.said[key] = true
	p.mu.Unlock()
	if !said {
		p.opts.Logger.Info(msg, args...)
	}
}
